"""Reviewers saving at once, each on a PostgreSQL connection of their own.

A save reads its round FOR SHARE, then locks its review (FOR UPDATE OF the review alone, with no
ordering that would join the round, version, use case or audience), its verdicts and its
version's change counter, in that order (docs/architecture.md, "Row locks").
The racers here are let go together from a barrier right after their shared read of the round,
so every save holds the round's shared lock when it asks for its review's: the moment at which a
save that also locked the round would deadlock with the others. Every save must end in success or
a clear refusal (ReviewConflict; RoundNotOpen once the round has closed); afterwards the database
holds exactly the saves that succeeded, each version's change counter counts them, and the stored
matrix equals the rule applied to what was submitted and a fresh recompute.

PostgreSQL only: SQLite serialises writing transactions (tests/reviews/test_sqlite_concurrency.py
covers the embedded default). CI runs this with BOLD_REQUIRE_SERVICES=1, where a missing
PostgreSQL fails instead of skipping."""

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client

from audiences.models import Audience
from matrix.models import MatrixCell, MatrixRow
from matrix.selectors.cells import matrix_state
from matrix.services.recompute import matrix_recompute
from principles.models import Principle
from principles.rule import cell_outcome
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.services import reviews as services
from reviews.services import rounds as round_services
from reviews.services.reviews import ReviewConflict, RoundNotOpen, VerdictInput, review_save, review_withdraw
from reviews.services.rounds import round_close
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_assignment, make_organisation, make_principle, make_reviewer, make_round, make_version
from usecases.models import UseCase, UseCaseVersion

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MEETS, CROSSED, NOT_SURE = Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET, Verdict.Choice.NOT_SURE
SUBMITTED, DRAFT, WITHDRAWN = Review.Status.SUBMITTED, Review.Status.DRAFT, Review.Status.WITHDRAWN
# Verdicts per principle, varied between reviewers so that the cells have ticks and crosses.
PATTERNS = [(MEETS, MEETS, CROSSED), (CROSSED, MEETS, NOT_SURE), (MEETS, CROSSED, MEETS), (NOT_SURE, CROSSED, MEETS)]
# Racers in the tests of many reviewers (one connection each, besides the test's own).
REVIEWERS = 6
# Reviewers with two racers each (two tabs, or a withdrawal and an update).
PAIRS = 3
# Reviewers who first submit once the round's close holds its lock.
LATECOMERS = 2


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("Saves racing each other (row locks on several connections)")


@dataclass(frozen=True)
class Stored:
    """A review as the database should hold it."""

    status: str
    lock_version: int
    verdicts: tuple[str, ...]
    overall_comment: str


@dataclass(frozen=True)
class Attempt:
    """One racer's save or withdrawal, and what its review becomes if it succeeds."""

    name: str
    key: tuple[int, int]  # (reviewer, version)
    call: Callable[[], Review]
    becomes: Stored


class World:
    """An open round of three principles and two versions given to one organisation, and the
    ledger of what the database should hold: every review as last saved with success."""

    def __init__(self):
        self.principles = [make_principle() for _ in range(3)]
        self.versions = [make_version(), make_version()]
        organisation = make_organisation()
        self.round = make_round(principles=self.principles)
        for version in self.versions:
            make_assignment(review_round=self.round, version=version, organisation=organisation)
        self.reviewers = [make_reviewer(organisation=organisation) for _ in range(REVIEWERS + LATECOMERS)]
        self.expected: dict[tuple[int, int], Stored] = {}
        self.changes: Counter[int] = Counter()  # counted changes per version

    def version_for(self, index: int):
        """Reviewers 0 and 1 review the first version, 2 and 3 the second, 4 and 5 the first."""
        return self.versions[index // 2 % len(self.versions)]

    def save(self, name: str, index: int, verdicts, *, submit: bool = True) -> Attempt:
        """Reviewer index saves the review of their version, from the form as last saved."""
        reviewer, version = self.reviewers[index], self.version_for(index)
        key = (reviewer.pk, version.pk)
        before = self.expected.get(key)
        expected_lock_version = before.lock_version if before else 0

        def call():
            return review_save(
                reviewer=reviewer,
                review_round=self.round,
                version=version,
                verdicts=[
                    VerdictInput(principle_id=p.pk, verdict=v, reason=f"Reason from {name}")
                    for p, v in zip(self.principles, verdicts, strict=True)
                ],
                overall_comment=f"Typed in {name}",
                expected_lock_version=expected_lock_version,
                submit=submit,
            )

        becomes = Stored(
            status=SUBMITTED if submit else DRAFT,
            lock_version=expected_lock_version + 1 if before else 1,
            verdicts=tuple(verdicts),
            overall_comment=f"Typed in {name}",
        )
        return Attempt(name, key, call, becomes)

    def withdraw(self, name: str, index: int) -> Attempt:
        reviewer, version = self.reviewers[index], self.version_for(index)
        key = (reviewer.pk, version.pk)
        before = self.expected[key]

        def call():
            review = Review.objects.get(round=self.round, version=version, reviewer=reviewer)
            return review_withdraw(review=review, actor=reviewer, expected_lock_version=before.lock_version)

        becomes = Stored(WITHDRAWN, before.lock_version + 1, before.verdicts, before.overall_comment)
        return Attempt(name, key, call, becomes)

    def succeeded(self, attempt: Attempt, review: Review) -> None:
        assert review.lock_version == attempt.becomes.lock_version, attempt.name
        self.expected[attempt.key] = attempt.becomes
        if attempt.becomes.status != DRAFT:  # a submission, a change or a withdrawal counts
            self.changes[attempt.key[1]] += 1

    def settle(self, attempt: Attempt) -> None:
        """Run an attempt on the test's own connection (the state before a race)."""
        self.succeeded(attempt, attempt.call())

    def stored(self) -> dict[tuple[int, int], Stored]:
        verdicts = defaultdict(dict)
        for review_id, principle_id, verdict in Verdict.objects.filter(review__round=self.round).values_list(
            "review_id", "principle_id", "verdict"
        ):
            verdicts[review_id][principle_id] = verdict
        return {
            (review.reviewer_id, review.version_id): Stored(
                review.status,
                review.lock_version,
                tuple(verdicts[review.pk].get(p.pk, "") for p in self.principles),
                review.overall_comment,
            )
            for review in Review.objects.filter(round=self.round)
        }

    def reference_cells(self) -> dict[tuple[int, int], tuple]:
        """Every cell by plain counting of the expected submitted reviews and the Python rule."""
        cells = {}
        for version in self.versions:
            for index, principle in enumerate(self.principles):
                counts = Counter(
                    stored.verdicts[index]
                    for (_, version_id), stored in self.expected.items()
                    if version_id == version.pk and stored.status == SUBMITTED
                )
                meets, crossed, not_sure = counts[MEETS], counts[CROSSED], counts[NOT_SURE]
                outcome = cell_outcome(
                    meets=meets,
                    does_not_meet=crossed,
                    not_sure=not_sure,
                    threshold=self.round.threshold,
                    min_reviews=self.round.min_reviews,
                )
                cells[(version.pk, principle.pk)] = (outcome, meets, crossed, not_sure)
        return cells

    def stored_cells(self) -> dict[tuple[int, int], tuple]:
        return {
            (c.version_id, c.principle_id): (c.outcome, c.meets, c.does_not_meet, c.not_sure)
            for c in MatrixCell.objects.filter(round=self.round)
        }

    def assert_database_holds_the_successful_saves(self) -> None:
        assert self.stored() == self.expected
        counters = dict(RoundVersion.objects.filter(round=self.round).values_list("version_id", "change_count"))
        assert counters == {version.pk: self.changes[version.pk] for version in self.versions}

    def assert_matrix_is_fresh(self) -> None:
        """The cells the saves' own recomputes stored equal the rule applied to what was
        submitted, and a whole-round recompute from nothing gives the same."""
        assert not matrix_state(self.round).is_updating
        assert self.stored_cells() == self.reference_cells()
        MatrixRow.objects.filter(round=self.round).delete()
        MatrixCell.objects.filter(round=self.round).delete()
        matrix_recompute(round_id=self.round.pk)
        assert self.stored_cells() == self.reference_cells()


@pytest.fixture
def world(transactional_db):
    return World()


class Race:
    """Racers on connections of their own. Held racers stop right after their FOR SHARE read
    of the round, inside their transaction, until every one of them is there and the test lets
    them go together; a step named "close" stops once it holds the round FOR UPDATE, until the
    test lets it go on. At teardown everything is let go and joined, so that a failing test never
    leaves a connection holding a lock while the database is flushed."""

    def __init__(self):
        self.steps: list[Step] = []
        self.held: set[str] = set()
        self.at_round_read: threading.Barrier | None = None
        self.go = threading.Event()
        self.close_holds_the_round, self.close_goes_on = threading.Event(), threading.Event()

    def start(self, name: str, target: Callable) -> Step:
        step = Step(name, target)
        self.steps.append(step)
        step.start()
        return step

    def start_held(self, racers: dict[str, Callable]) -> list[Step]:
        """Start the racers; return once each holds its round's shared lock, waiting for go."""
        self.held = set(racers)
        self.at_round_read = threading.Barrier(len(racers) + 1, timeout=STEP_SECONDS)
        steps = [self.start(name, target) for name, target in racers.items()]
        try:
            self.at_round_read.wait()
        except threading.BrokenBarrierError:
            failed = {step.name: step.error for step in steps if step.error is not None}
            pytest.fail(f"not every racer reached the round read: {failed}")
        return steps

    def round_read(self, original: Callable) -> Callable:
        def round_read_shared(round_id, **annotations):
            review_round = original(round_id, **annotations)
            if threading.current_thread().name in self.held:
                self.at_round_read.wait()
                assert self.go.wait(STEP_SECONDS), "the test never let the held racers go"
            return review_round

        return round_read_shared

    def round_status_set(self, original: Callable) -> Callable:
        """round_close sets the status once it holds the round's row FOR UPDATE."""

        def round_set_status(**kwargs):
            if threading.current_thread().name == "close":
                self.close_holds_the_round.set()
                assert self.close_goes_on.wait(STEP_SECONDS), "the test never let the close go on"
            return original(**kwargs)

        return round_set_status

    def let_go(self) -> None:
        self.go.set()
        self.close_goes_on.set()
        if self.at_round_read is not None:
            self.at_round_read.abort()
        for step in self.steps:
            step.join(STEP_SECONDS)


@pytest.fixture
def race(world, monkeypatch, caplog):
    race = Race()
    monkeypatch.setattr(services, "round_read_shared", race.round_read(services.round_read_shared))
    monkeypatch.setattr(round_services, "round_set_status", race.round_status_set(round_services.round_set_status))
    caplog.set_level(logging.ERROR)
    yield race
    race.let_go()
    # A recompute after a save's commit logs and swallows its errors: none may have happened.
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR], caplog.text


def held(attempts: list[Attempt]) -> dict[str, Callable]:
    return {attempt.name: attempt.call for attempt in attempts}


def outcome(step: Step):
    """The racer's review, or the refusal it met; any other error fails the test as raised."""
    try:
        return step.outcome()
    except (ReviewConflict, RoundNotOpen) as refusal:
        return refusal


# Each scenario sets up the reviews as they stand before the race and returns the racers.


def drafts_submitted(world: World) -> list[Attempt]:
    """Every reviewer presses Submit on a draft saved earlier."""
    for index in range(REVIEWERS):
        world.settle(world.save(f"draft {index}", index, (MEETS, "", ""), submit=False))
    return [world.save(f"submit {index}", index, PATTERNS[index % len(PATTERNS)]) for index in range(REVIEWERS)]


def submitted_changed(world: World) -> list[Attempt]:
    """Every reviewer changes a review submitted earlier."""
    for index in range(REVIEWERS):
        world.settle(world.save(f"first submit {index}", index, PATTERNS[index % len(PATTERNS)]))
    return [world.save(f"change {index}", index, PATTERNS[(index + 1) % len(PATTERNS)]) for index in range(REVIEWERS)]


def two_tabs(start: str) -> Callable[[World], list[Attempt]]:
    """Several reviewers each submit one review from two tabs opened on the same lock_version:
    a review not yet saved, a draft, or a submitted review."""

    def scenario(world: World) -> list[Attempt]:
        attempts = []
        for index in range(PAIRS):
            if start != "new":
                world.settle(world.save(f"before {index}", index, PATTERNS[index], submit=start == "submitted"))
            attempts += [
                world.save(f"reviewer {index} tab 1", index, PATTERNS[index + 1]),
                world.save(f"reviewer {index} tab 2", index, PATTERNS[(index + 2) % len(PATTERNS)]),
            ]
        return attempts

    return scenario


def withdraw_and_update(world: World) -> list[Attempt]:
    """Several reviewers each withdraw a submitted review in one tab and change it in another."""
    attempts = []
    for index in range(PAIRS):
        world.settle(world.save(f"submit {index}", index, PATTERNS[index]))
        attempts += [
            world.withdraw(f"reviewer {index} withdraws", index),
            world.save(f"reviewer {index} updates", index, PATTERNS[index + 1]),
        ]
    return attempts


SCENARIOS = {
    "many-reviewers-submit-drafts": drafts_submitted,
    "many-reviewers-change-submitted-reviews": submitted_changed,
    "two-tabs-of-a-new-review": two_tabs("new"),
    "two-tabs-of-a-draft": two_tabs("draft"),
    "two-tabs-of-a-submitted-review": two_tabs("submitted"),
    "withdraw-racing-update": withdraw_and_update,
}
scenarios = pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))


@scenarios
def test_saves_at_once_end_in_one_success_per_review_and_conflicts(world, race, scenario):
    attempts = scenario(world)
    steps = race.start_held(held(attempts))
    race.go.set()
    outcomes = [outcome(step) for step in steps]

    by_review = defaultdict(list)
    for attempt, result in zip(attempts, outcomes, strict=True):
        by_review[attempt.key].append(result)
        if isinstance(result, Review):
            world.succeeded(attempt, result)
    for key, results in by_review.items():
        # Exactly one save of each review wins; any other save of it started from the same
        # lock_version and is refused, changing nothing.
        assert sum(isinstance(result, Review) for result in results) == 1, (key, results)
        assert all(isinstance(result, (Review, ReviewConflict)) for result in results), (key, results)
    world.assert_database_holds_the_successful_saves()
    world.assert_matrix_is_fresh()


@scenarios
def test_closing_the_round_waits_for_saves_in_progress_and_refuses_later_ones(world, race, scenario):
    """Half the racers hold the round's shared lock when the admin closes the round, and the
    other half start while the close waits for them: the close waits for every one of them (a
    shared lock is granted beside others even while an update lock waits). Reviewers who submit
    once the close holds the round wait for it and are refused. Every save is in before the close
    or refused."""
    attempts = scenario(world)
    early, late = attempts[::2], attempts[1::2]
    after = [world.save(f"latecomer {index}", index, PATTERNS[0]) for index in range(REVIEWERS, len(world.reviewers))]
    early_steps = race.start_held(held(early))
    closing = race.start("close", lambda: round_close(review_round=world.round, actor=None))
    wait_until_blocked_by(closing, *early_steps)
    late_steps = [race.start(attempt.name, attempt.call) for attempt in late]
    race.go.set()
    assert race.close_holds_the_round.wait(STEP_SECONDS), f"the close never got the round: {closing.error!r}"
    after_steps = [race.start(attempt.name, attempt.call) for attempt in after]
    for step in after_steps:
        wait_until_blocked_by(step, closing)
    race.close_goes_on.set()
    closed = closing.outcome().review_round
    early_outcomes = [outcome(step) for step in early_steps]
    late_outcomes = [outcome(step) for step in late_steps]
    after_outcomes = [outcome(step) for step in after_steps]

    assert closed.status == ReviewRound.Status.CLOSED
    # A save that held the round's shared lock when the close came is never refused for it.
    assert not any(isinstance(result, RoundNotOpen) for result in early_outcomes), early_outcomes
    assert all(isinstance(result, RoundNotOpen) for result in after_outcomes), after_outcomes
    wins = Counter()
    for attempt, result in zip(early + late, early_outcomes + late_outcomes, strict=True):
        if isinstance(result, Review):
            world.succeeded(attempt, result)
            wins[attempt.key] += 1
            assert result.updated_at <= closed.closed_at, f"{attempt.name} was saved after the round closed"
    assert max(wins.values()) == 1, wins
    world.assert_database_holds_the_successful_saves()
    world.assert_matrix_is_fresh()


@pytest.mark.parametrize("start", ["new", "draft", "submitted"])
def test_a_save_locks_its_review_verdicts_and_counter_and_nothing_exclusive_above_them(world, race, start):
    """While a save's transaction is open, another connection can still take a shared lock on the
    round and an update lock (of the kind that leaves the key alone) on the version, use case,
    audience and principles, but not even a shared lock on the review, its verdicts or its
    version's counter."""
    if start != "new":
        world.settle(world.save("before", 0, PATTERNS[0], submit=start == "submitted"))
    world.settle(world.save("neighbour", 2, PATTERNS[1]))  # a review of the other version
    attempt = world.save("the save", 0, PATTERNS[1])
    holding, release = threading.Event(), threading.Event()
    saved = {}
    race.go.set()

    def save_and_hold():
        with transaction.atomic():
            review = attempt.call()
            # Read in the save's own transaction: a new review is not visible to others yet.
            saved["review"] = review.pk
            saved["verdicts"] = list(Verdict.objects.filter(review=review).values_list("pk", flat=True))
            holding.set()
            assert release.wait(STEP_SECONDS), "the test never released the open transaction"
        return review

    saving = race.start("the save", save_and_hold)
    assert holding.wait(STEP_SECONDS), f"the save never finished its work: {saving.error!r}"
    version = world.version_for(0)
    free = [
        (ReviewRound, world.round.pk, "SHARE"),
        (UseCaseVersion, version.pk, "NO KEY UPDATE"),
        (UseCase, version.use_case_id, "NO KEY UPDATE"),
        (Audience, version.use_case.audience_id, "NO KEY UPDATE"),
        *[(Principle, principle.pk, "NO KEY UPDATE") for principle in world.principles],
        (RoundVersion, RoundVersion.objects.get(round=world.round, version=world.versions[1]).pk, "UPDATE"),
        (Review, Review.objects.get(reviewer=world.reviewers[2]).pk, "UPDATE"),
    ]
    locked = [
        (Review, saved["review"]),
        *[(Verdict, pk) for pk in saved["verdicts"]],
        (RoundVersion, RoundVersion.objects.get(round=world.round, version=version).pk),
    ]
    try:
        for model, pk, mode in free:
            assert try_lock(model, pk, mode), f"the save holds a lock on {model.__name__} {pk} refusing FOR {mode}"
        for model, pk in locked:
            assert not try_lock(model, pk, "SHARE"), f"the save holds no update lock on {model.__name__} {pk}"
    finally:
        release.set()
    assert saving.outcome().lock_version == attempt.becomes.lock_version


def try_lock(model, pk: int, mode: str) -> bool:
    """Whether this connection can lock the row in the mode at once (and let it go again). A
    row another transaction inserted and has not committed cannot be locked: it is not seen."""
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"SELECT id FROM {model._meta.db_table} WHERE id = %s FOR {mode} NOWAIT", [pk])
                return cursor.fetchone() is not None
        except OperationalError:  # lock_not_available
            return False


def test_reviewers_posting_at_once_see_their_saved_page_or_the_conflict_page(world, race):
    """Over HTTP: three reviewers press Submit on their drafts at once, one of them in two tabs.
    Each gets the "review submitted" page, but for the later tab, which gets the conflict page
    (409) with what was typed in it; never a server error."""
    for index in range(3):
        world.settle(world.save(f"draft {index}", index, (MEETS, "", ""), submit=False))
    posts = [(0, "tab 1"), (0, "tab 2"), (1, "only tab"), (2, "only tab")]
    clients, statuses = {}, {}

    def poster(index: int, tab: str) -> Callable:
        reviewer = world.reviewers[index]
        version = world.version_for(index)
        data = {"overall_comment": f"Typed by reviewer {index} in {tab}", "lock_version": "1", "action": "submit"}
        for principle, verdict in zip(world.principles, PATTERNS[index], strict=True):
            data |= {
                f"{principle.slug}-verdict": verdict,
                f"{principle.slug}-reason": f"Reason typed in {tab}",
                f"{principle.slug}-evidence": "",
                f"{principle.slug}-suggested_rewording": "",
            }
        url = f"/reviews/{world.round.slug}/{version.use_case.slug}/v{version.number}/review/"
        client = clients[(index, tab)] = Client(raise_request_exception=False)  # a 500 as a browser sees it
        client.force_login(reviewer)

        def post():
            response = client.post(url, data)
            statuses[(index, tab)] = response.status_code
            return response

        return post

    steps = race.start_held({f"reviewer {index} {tab}": poster(index, tab) for index, tab in posts})
    race.go.set()
    responses = {post: step.outcome() for post, step in zip(posts, steps, strict=True)}

    assert statuses[(1, "only tab")] == statuses[(2, "only tab")] == 302
    assert sorted([statuses[(0, "tab 1")], statuses[(0, "tab 2")]]) == [302, 409]
    lost = next(tab for tab in ("tab 1", "tab 2") if statuses[(0, tab)] == 409)
    kept = "tab 2" if lost == "tab 1" else "tab 1"
    page = responses[(0, lost)].content.decode()
    assert "This review was changed in another tab or window" in page
    assert f"Typed by reviewer 0 in {lost}" in page, "what was typed in the losing tab is on its page"
    saved = Review.objects.get(round=world.round, reviewer=world.reviewers[0])
    assert (saved.status, saved.lock_version, saved.overall_comment) == (SUBMITTED, 2, f"Typed by reviewer 0 in {kept}")
    assert Review.objects.filter(round=world.round, status=SUBMITTED).count() == 3
