"""`make load` (docs/performance.md, "Load run"): its saturation steps stop where the p95 passes a
second and report the last rate within it, or that the rates tried never reached that point; its
world gives each reviewer their own use cases with a session made beforehand, and the saturation
part a fresh version for every arrival its rates can make; and its check finds
exactly the verdicts the clients were told were saved, and a matrix equal to a fresh recompute."""

import itertools
import os
import signal
import subprocess
import sys
import time

import pytest
from django.test import Client

from loadtest import cpu, saturation
from loadtest import world as load_world
from loadtest.__main__ import MAX_RATE, database_command, options
from reviews.models import Assignment, Review

pytestmark = pytest.mark.django_db


def test_the_steps_stop_once_the_p95_passes_a_second_and_the_figure_is_the_last_rate_within_it():
    slow_from = 4.0
    rates = iter([1.0, 2.0, 4.0, 8.0])
    current = {"rate": None}

    def arrival():
        return True, 2.0 if current["rate"] >= slow_from else 0.05

    steps = []
    for rate in rates:
        current["rate"] = rate
        steps += saturation.saturate([rate], 0.5, arrival)
        if steps[-1].p95 > saturation.LIMIT_SECONDS:
            break

    assert [s.rate for s in steps] == [1.0, 2.0, 4.0]
    assert saturation.saturation_figure(steps) == steps[1].throughput
    assert saturation.saturation_figure(steps[2:]) is None


def test_a_step_with_errors_ends_the_steps():
    outcomes = itertools.cycle([(True, 0.01), (False, 0.01)])
    steps = saturation.saturate([2.0, 4.0], 1.0, lambda: next(outcomes))
    assert len(steps) == 1 and steps[0].errors == 1 and saturation.saturation_figure(steps) is None


def test_steps_that_never_passed_the_limit_did_not_saturate():
    """A figure from steps that all stayed within a second is a lower bound only: the run then
    cannot judge the submits' share of the trivial page's, and says so."""
    within = saturation.saturate([1.0, 2.0], 0.5, lambda: (True, 0.01))
    passed = saturation.saturate([1.0, 2.0], 0.5, lambda: (True, 2.0))

    assert len(within) == 2 and not saturation.saturated(within)
    assert len(passed) == 1 and saturation.saturated(passed)
    assert not saturation.saturated([])


@pytest.mark.slow  # builds the benchmark's synthetic round
def test_the_check_finds_exactly_the_confirmed_verdicts_and_a_current_matrix(django_capture_on_commit_callbacks):
    built = load_world.build(port=8000, versions=8, reviews=3, reviewers=2, baseline_people=1, saturation_arrivals=0)
    document = built.document
    person = document["reviewers"][0]
    target = person["targets"][0]
    assert len(person["targets"]) == 4 and person["session"] and person["csrf"]
    verdicts = dict(zip(document["principles"], ["meets", "does_not_meet", "not_sure", "meets"], strict=True))
    client = Client()
    client.cookies["sessionid"] = person["session"]
    data = {"overall_comment": "", "lock_version": "0", "action": "submit"}
    for slug, verdict in verdicts.items():
        data |= {f"{slug}-verdict": verdict, f"{slug}-reason": "A reason."}
    refreshes = load_world.progress_refreshes(built.round_id)
    with django_capture_on_commit_callbacks(execute=True):  # the version's recompute, as the worker runs it
        response = client.post(target["form"], data)
    assert response.status_code == 302 and response["Location"].endswith("/submitted/")
    assert load_world.progress_refreshes(built.round_id) == refreshes + 1
    told = {"reviewer": person["id"], "version": target["version"], "verdicts": verdicts}

    result = load_world.check(world=built, told=[told])

    assert result.passed and (result.told, result.stored, result.cells) == (1, 1, 32)
    assert result.progress_rows > 0 and result.progress_rows_changed_by_a_fresh_refresh == 0
    never_saved = {**told, "version": person["targets"][1]["version"]}
    assert load_world.check(world=built, told=[told, never_saved]).missing == 4
    Review.objects.filter(reviewer_id=person["id"]).delete()
    assert load_world.check(world=built, told=[told]).missing == 4
    # A refresh that never ran: the person's item still says not submitted.
    with django_capture_on_commit_callbacks(execute=False):
        client.post(person["targets"][2]["form"], data)
    behind = load_world.check(world=built, told=[{**told, "version": person["targets"][2]["version"]}])
    assert behind.progress_rows_changed_by_a_fresh_refresh > 0 and not behind.passed


@pytest.mark.slow  # builds the benchmark's synthetic round
@pytest.mark.parametrize(
    ("rates", "arrivals", "reviewers"),
    [
        ([1.0, 2.0], 15, 4),  # two people's worth of the round's 8 versions: the four at least
        ([1.0, 2.0, 3.0, 4.0], 50, 7),  # seven people's worth: seven
    ],
)
def test_the_saturation_part_has_a_fresh_version_for_every_arrival_its_rates_can_make(rates, arrivals, reviewers):
    assert saturation.most_arrivals(rates, 5) == arrivals
    built = load_world.build(
        port=8000, versions=8, reviews=3, reviewers=2, baseline_people=1, saturation_arrivals=arrivals
    )
    document = built.document
    people, order = document["saturation_reviewers"], document["saturation_order"]
    pairs = [(people[index]["id"], target["version"]) for index, target in order]

    assert len(pairs) == arrivals and len(set(pairs)) == arrivals
    assert len(people) == reviewers and all(person["session"] and person["csrf"] for person in people)
    # Neighbouring arrivals are different people reviewing different versions.
    assert all(a[0] != b[0] and a[1] != b[1] for a, b in itertools.pairwise(pairs))
    for person in people:
        assert Assignment.objects.filter(reviewer_id=person["id"]).count() == 8
    assert {person["id"] for person in people} <= set(built.reviewer_ids)
    steady = {target["version"] for reviewer in document["reviewers"] for target in reviewer["targets"]}
    assert len(steady) == 8


def test_the_most_arrivals_are_what_steps_that_never_saturate_make():
    made = []
    steps = saturation.saturate([2.0, 3.0], 1.0, lambda: made.append(1) or (True, 0.01))
    assert len(made) == sum(step.arrivals for step in steps) == saturation.most_arrivals([2.0, 3.0], 1.0) == 5


def test_the_default_rates_are_accepted_and_a_rate_out_of_range_is_refused_saying_which(capsys):
    rates = options([]).rates
    assert max(rates) == 64.0
    # A figure is low by up to a step: 1 apart where the submits saturate, 2 where the trivial page does.
    assert [rate for rate in rates if 8 <= rate <= 14] == [8, 9, 10, 11, 12, 13, 14]
    up_to_32 = [rate for rate in rates if 14 <= rate <= 32]
    assert all(later - earlier == 2 for earlier, later in itertools.pairwise(up_to_32))
    # And the saturation part needs no more than its four reviewers of a 2,000-version round.
    assert saturation.most_arrivals(rates, 15) <= 4 * 2000
    with pytest.raises(SystemExit):
        options(["--rates", f"1,{MAX_RATE + 1}"])
    assert f"--rates must each be above 0 and at most {MAX_RATE} arrivals a second" in capsys.readouterr().err


def test_the_cpu_of_a_process_group_is_counted_as_its_kind_children_included():
    # The group's leader only waits: whatever CPU the group uses is its child's.
    leader = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'while True: pass'])"],
        start_new_session=True,
    )
    try:
        time.sleep(0.3)  # both started
        before = cpu.reading(web_group=leader.pid, worker_group=-1)
        time.sleep(0.5)
        after = cpu.reading(web_group=leader.pid, worker_group=-1)
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
    assert after.seconds["web"] - before.seconds["web"] > 0.1
    assert after.seconds["worker"] == before.seconds["worker"] == 0
    words = cpu.per_arrival(before, after, 2)
    assert words.startswith("web ") and words.endswith("ms of CPU a complete arrival (2 complete)")


@pytest.mark.parametrize("program", ["createdb", "dropdb"])
def test_the_run_creates_and_drops_its_database_on_the_server_load_postgres_names(program):
    # Nothing listens on this port: a command that fell back to the default server would succeed.
    unused = "postgres://postgres@127.0.0.1:1"
    result = subprocess.run(database_command(program, unused, "bold_load_never"), capture_output=True, text=True)
    assert result.returncode != 0
    assert "port 1 failed" in result.stderr
