"""The stored progress counts stay equal to the live count when changes race a refresh, on real
PostgreSQL connections with Celery eager (each change's refresh runs on its own connection right
after its commit): refreshes of one round, and the new day's count of its order, take turns on
its ProgressHeader row, and each reads
what was committed before it got the row, so the last one to run counts every change. Each
reviewer's My reviews, read from the stored items, shows what it shows counted live."""

import datetime
import threading

import pytest
from django.db import transaction
from django.utils import timezone

from audiences.models import Membership
from audiences.services.memberships import membership_remove
from reviews.models import ProgressHeader, VersionProgressOrder
from reviews.services.assignments import assignment_remove
from reviews.services.progress_counts import progress_counts_refresh, progress_order_refresh
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_version
from tests.reviews.test_my_reviews_stored import assert_stored_is_live as assert_my_reviews_stored_is_live
from tests.reviews.test_progress_counts import assert_stored_is_live, lead_figures, live, stored, submit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def round_given_to_two_organisations():
    organisations = [make_organisation() for _ in range(2)]
    reviewers = [make_reviewer(organisation=o) for o in organisations for _ in range(2)]
    for organisation in organisations:
        make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    versions = [make_version() for _ in range(2)]
    review_round = make_round(versions=versions)
    for version in versions:
        for organisation in organisations:
            make_assignment(review_round=review_round, version=version, organisation=organisation)
    progress_counts_refresh(round_id=review_round.pk)
    return review_round, versions, organisations, reviewers


def hold(name: str, change):
    """A step that makes the change in a transaction and keeps it open until released."""
    made, release = threading.Event(), threading.Event()

    def run():
        with transaction.atomic():
            change()
            made.set()
            assert release.wait(STEP_SECONDS), f"the test never let {name} commit"

    return Step(name, run), made, release


def test_two_reviewers_submitting_on_one_version_while_a_whole_round_refresh_runs():
    require_postgresql("Refreshes taking turns on the round's ProgressHeader row")
    review_round, versions, _organisations, reviewers = round_given_to_two_organisations()
    refresh, refreshed, release = hold("whole-round refresh", lambda: progress_counts_refresh(round_id=review_round.pk))
    submitters = [
        Step(f"reviewer {i}", lambda reviewer=reviewer: submit(reviewer, review_round, versions[0]))
        for i, reviewer in enumerate(reviewers[:2])
    ]
    try:
        refresh.start()
        assert refreshed.wait(STEP_SECONDS)
        # Each review is committed; its refresh then waits for the round's header. One after the
        # other: the second finds the first's refresh already started (its versions taken), so, with
        # Redis too, queues one of its own rather than joining it.
        for step in submitters:
            step.start()
            wait_until_blocked_by(step, refresh)
    finally:
        release.set()
    refresh.outcome()
    for step in submitters:
        step.outcome()
    assert_stored_is_live(review_round)
    for reviewer in reviewers:
        assert_my_reviews_stored_is_live(reviewer, [review_round.slug])
    assert stored(review_round)["totals"].submitted == 2
    # The fixture's first refresh, the held one, and one per submit.
    assert ProgressHeader.objects.get(round=review_round).refreshes == 3


def test_an_assignment_removed_while_a_reviewer_submits_on_the_same_version():
    require_postgresql("An assignment removed while a submit and its refresh run")
    review_round, versions, organisations, reviewers = round_given_to_two_organisations()
    removed = review_round.assignments.get(version=versions[0], organisation=organisations[1])
    removal, made, release = hold("removal", lambda: assignment_remove(assignment=removed, actor=None))
    submitter = Step("reviewer", lambda: submit(reviewers[0], review_round, versions[0]))
    try:
        removal.start()
        assert made.wait(STEP_SECONDS)
        # The submit and its refresh run while the removal is not yet committed: the refresh
        # still counts the assignment.
        submitter.start()
        submitter.outcome()
        assert stored(review_round)["totals"].expected == live(review_round)["totals"].expected == 8
    finally:
        release.set()
    removal.outcome()
    assert_stored_is_live(review_round)
    for reviewer in reviewers:
        assert_my_reviews_stored_is_live(reviewer, [review_round.slug])
    assert stored(review_round)["totals"] == live(review_round)["totals"]
    assert stored(review_round)["totals"].expected == 6


def test_a_member_leaving_while_a_colleague_submits_on_the_same_version():
    require_postgresql("A member leaving while a colleague's submit and its refresh run")
    review_round, versions, organisations, reviewers = round_given_to_two_organisations()
    leaving = Membership.objects.get(user=reviewers[1], organisation=organisations[0])
    removal, made, release = hold("leaving", lambda: membership_remove(membership=leaving, actor=None))
    submitter = Step("colleague", lambda: submit(reviewers[0], review_round, versions[0]))
    try:
        removal.start()
        assert made.wait(STEP_SECONDS)
        submitter.start()
    finally:
        release.set()
    removal.outcome()
    submitter.outcome()
    assert_stored_is_live(review_round)
    for reviewer in reviewers:
        assert_my_reviews_stored_is_live(reviewer, [review_round.slug])
    # The organisation's lead: the colleague has one use case left, and the person who left is gone.
    people, count, _versions = lead_figures(organisations[0], review_round, stored=True)
    assert (people, count) == ([(reviewers[0].pk, 1, False)], 2)


def test_a_rounds_order_counted_again_for_a_new_day_while_a_refresh_holds_the_round(monkeypatch):
    require_postgresql("The new day's order taking turns with a refresh on the round's ProgressHeader row")
    review_round, versions, _organisations, reviewers = round_given_to_two_organisations()
    today = timezone.localdate()
    make_assignment(review_round=review_round, version=versions[1], reviewer=reviewers[0], due_on=today)
    progress_counts_refresh(round_id=review_round.pk)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + datetime.timedelta(days=1))
    # A review committed behind the refresh's back (a change's refresh is on its way).
    submit(reviewers[1], review_round, versions[0])
    refresh, refreshed, release = hold(
        "refresh", lambda: progress_counts_refresh(round_id=review_round.pk, version_ids=[versions[1].pk])
    )
    reorder = Step("new day's order", lambda: progress_order_refresh(round_id=review_round.pk))
    try:
        refresh.start()
        assert refreshed.wait(STEP_SECONDS)
        reorder.start()
        # The refresh counts its version as at the day its neighbours were counted; the new day's
        # count waits for it, then counts every version as at the new day.
        wait_until_blocked_by(reorder, refresh)
    finally:
        release.set()
    refresh.outcome()
    assert reorder.outcome() is True
    assert ProgressHeader.objects.get(round=review_round).ordered_on == today + datetime.timedelta(days=1)
    assert VersionProgressOrder.objects.get(round=review_round, version=versions[1]).overdue == 1
    assert_stored_is_live(review_round)
