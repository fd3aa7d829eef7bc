"""The stored progress counts (reviews.models.progress_counts) equal the live count of
reviews.selectors.progress after every kind of change that moves them, each made through its
service with its after-commit work run as it is with Celery eager: a review submitted and
withdrawn, an assignment added, removed, declined, given to someone else and given a new due date,
reviewers chosen, members added, removed and made leads, and an account switched off."""

import dataclasses
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services.access import account_active_set
from audiences.models import Membership, Organisation
from audiences.services.memberships import membership_create, membership_remove, membership_role_change
from matrix.selectors.rounds import round_summaries
from reviews.models import ProgressHeader, Review, ReviewRound, VersionProgressCount, VersionProgressOrder
from reviews.selectors.not_submitted import not_submitted_counts
from reviews.selectors.organisations import RoundProgress, RoundVersions
from reviews.selectors.progress import (
    expected_reviews_by_round,
    group_progress,
    live_round_progress_totals,
    round_progress_totals,
    version_progress,
)
from reviews.selectors.progress_counts import (
    progress_being_updated,
    progress_refresh_done,
    progress_refresh_queued,
    round_counts,
)
from reviews.services.assignments import (
    assignment_create,
    assignment_due_change,
    assignment_reassign,
    assignment_remove,
)
from reviews.services.bulk_assignments import assignments_grid_change
from reviews.services.chosen_reviewers import assignment_reviewers_choose
from reviews.services.progress_counts import progress_counts_refresh
from reviews.services.requests import assignment_decline
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from reviews.services.rounds import round_set_status, round_versions_change
from reviews.tasks import refresh_every_rounds_progress_counts, reorder_progress
from tests.factories import (
    make_analyst,
    make_assignment,
    make_organisation,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = pytest.mark.django_db

PAST = timezone.localdate() - datetime.timedelta(days=2)
SOON = timezone.localdate() + datetime.timedelta(days=20)
STORED_DASHBOARD_QUERIES = 14


def live(review_round: ReviewRound):
    """What the pages show counted live: the same selectors, told the counts are not stored."""
    fresh = ReviewRound.objects.get(pk=review_round.pk)
    fresh._progress_stored = False
    return _figures(fresh, stored=False)


def stored(review_round: ReviewRound):
    fresh = ReviewRound.objects.get(pk=review_round.pk)
    assert ProgressHeader.objects.filter(round=fresh).exists()
    fresh._progress_stored = True
    return _figures(fresh, stored=True)


def lead_figures(organisation: Organisation, review_round: ReviewRound, *, stored: bool):
    """What the organisation's lead's page shows of the round: who has not submitted (how many, overdue
    or not) and its use cases in the page's order."""
    shown = RoundProgress(
        name=review_round.name,
        closes_on=None,
        versions=[],
        slug=review_round.slug,
        pk=review_round.pk,
        counts_stored=stored,
    )
    people = [(p.user_id, p.to_submit, p.overdue) for p in not_submitted_counts(organisation, rounds=[shown])]
    paged = RoundVersions(organisation, review_round.slug, stored_round_id=review_round.pk if stored else None)
    return people, paged.count(), [(v.path, v.due_on, v.submitted_count, len(v.reviewers)) for v in paged[0:1000]]


def _figures(review_round: ReviewRound, *, stored: bool):
    if stored:
        count = round_counts([review_round.pk])[review_round.pk]
        summary = (count.expected, count.submitted)
    else:
        submitted = Review.objects.filter(round=review_round, status=Review.Status.SUBMITTED).count()
        summary = (expected_reviews_by_round([review_round.pk]).get(review_round.pk, 0), submitted)
    return {
        "totals": round_progress_totals(review_round),
        "versions": [dataclasses.astuple(row) for row in version_progress(review_round)[0:1000]],
        "groups": [dataclasses.astuple(row) for row in group_progress(review_round)[0:1000]],
        "groups_count": group_progress(review_round).count(),
        "summary": summary,
        "leads": [lead_figures(o, review_round, stored=stored) for o in Organisation.objects.order_by("pk")],
    }


def assert_stored_is_live(review_round: ReviewRound):
    assert stored(review_round) == live(review_round)
    assert not progress_being_updated(review_round.pk)


def submit(reviewer, review_round, version, **kwargs) -> Review:
    return review_save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=p.pk, verdict="meets") for p in review_round.principles.all()],
        overall_comment="",
        expected_lock_version=0,
        submit=True,
        **kwargs,
    )


@pytest.fixture
def world():
    """An open round of four versions: two organisations (three reviewers and a lead each) given
    every version, one overdue; two people given versions in person; a submitted review."""
    organisations = [make_organisation() for _ in range(2)]
    members = {o.pk: [make_reviewer(organisation=o) for _ in range(3)] for o in organisations}
    leads = {o.pk: make_reviewer(organisation=o, role=Membership.Role.LEAD) for o in organisations}
    versions = [make_version() for _ in range(4)]
    review_round = make_round(versions=versions)
    for i, version in enumerate(versions):
        for organisation in organisations:
            make_assignment(
                review_round=review_round, version=version, organisation=organisation, due_on=PAST if i == 0 else SOON
            )
    alone = [make_user(), make_user()]
    make_assignment(review_round=review_round, version=versions[0], reviewer=alone[0], due_on=SOON)
    make_assignment(review_round=review_round, version=versions[1], reviewer=alone[1], due_on=PAST)
    # Expected twice for version 0 (in person and through an organisation), with different due dates.
    make_assignment(review_round=review_round, version=versions[0], reviewer=members[organisations[0].pk][0])
    progress_counts_refresh(round_id=review_round.pk)
    return dataclasses.make_dataclass("World", ["round", "organisations", "members", "leads", "versions", "alone"])(
        review_round, organisations, members, leads, versions, alone
    )


def test_a_whole_round_refresh_equals_the_live_count(world):
    figures = stored(world.round)
    assert figures == live(world.round)
    assert figures["totals"].expected == 4 * 6 + 2 and figures["totals"].overdue == 6 + 1
    assert figures["groups_count"] == 2 + 3
    # Each organisation's lead: three members with four use cases each to submit, one overdue.
    assert [(len(people), count) for people, count, _versions in figures["leads"]] == [(3, 4), (3, 4)]
    assert {(left, overdue) for people, _count, _versions in figures["leads"] for _pk, left, overdue in people} == {
        (4, True)
    }


def test_reviews_submitted_and_withdrawn(world, django_capture_on_commit_callbacks):
    reviewer = world.members[world.organisations[0].pk][0]
    with django_capture_on_commit_callbacks(execute=True):
        review = submit(reviewer, world.round, world.versions[0])
    assert_stored_is_live(world.round)
    assert stored(world.round)["totals"].submitted == 1
    with django_capture_on_commit_callbacks(execute=True):
        submit(world.alone[1], world.round, world.versions[1])
        submit(world.members[world.organisations[1].pk][2], world.round, world.versions[3])
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        review_withdraw(review=review, actor=reviewer, expected_lock_version=review.lock_version)
    assert_stored_is_live(world.round)
    assert stored(world.round)["totals"].submitted == 2


def test_assignments_added_moved_redated_declined_and_removed(world, django_capture_on_commit_callbacks):
    newcomer, other = make_user(), make_organisation()
    make_reviewer(organisation=other)
    with django_capture_on_commit_callbacks(execute=True):
        made = assignment_create(
            review_round=world.round, version=world.versions[2], reviewer=newcomer, due_on=SOON, actor=None
        )
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_due_change(assignment=made, due_on=SOON + datetime.timedelta(days=3), actor=None)
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_reassign(assignment=made, organisation=other, actor=None)
    assert_stored_is_live(world.round)
    organisation_wide = world.round.assignments.get(version=world.versions[3], organisation=world.organisations[1])
    with django_capture_on_commit_callbacks(execute=True):
        assignment_decline(
            assignment=organisation_wide, reason="No capacity.", actor=world.leads[world.organisations[1].pk]
        )
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_remove(assignment=made, actor=None)
        assignments_grid_change(
            review_round=world.round,
            version_ids=[world.versions[1].pk],
            organisation_ids=[world.organisations[0].pk, other.pk],
            chosen=[(world.versions[1].pk, other.pk)],
            due_on=SOON,
            actor=None,
        )
    assert_stored_is_live(world.round)


def test_chosen_reviewers_members_and_accounts(world, django_capture_on_commit_callbacks):
    organisation = world.organisations[0]
    assignment = world.round.assignments.get(version=world.versions[2], organisation=organisation)
    lead = world.leads[organisation.pk]
    first = Membership.objects.get(user=world.members[organisation.pk][1], organisation=organisation)
    with django_capture_on_commit_callbacks(execute=True):
        assignment_reviewers_choose(assignment=assignment, memberships=[first], actor=lead)
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        joined = membership_create(user=make_user(), organisation=organisation, role="reviewer", actor=None)
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        membership_role_change(membership=joined, role=Membership.Role.LEAD, actor=None)
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(membership=first, actor=None)
    assert_stored_is_live(world.round)
    with django_capture_on_commit_callbacks(execute=True):
        account_active_set(user=world.members[world.organisations[1].pk][0], is_active=False, actor=None)
        account_active_set(user=world.alone[0], is_active=False, actor=None)
    assert_stored_is_live(world.round)


def test_someone_given_use_cases_in_person_joining_and_leaving_an_organisation(
    world, django_capture_on_commit_callbacks
):
    """Their lead sees what they were given in person from the day they join to the day they
    leave, though the organisation itself is given nothing in the round."""
    organisation = make_organisation()
    with django_capture_on_commit_callbacks(execute=True):
        joined = membership_create(user=world.alone[1], organisation=organisation, role="reviewer", actor=None)
    assert_stored_is_live(world.round)
    people, count, _versions = lead_figures(organisation, world.round, stored=True)
    assert (people, count) == ([(world.alone[1].pk, 1, True)], 1)
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(membership=joined, actor=None)
    assert_stored_is_live(world.round)
    assert lead_figures(organisation, world.round, stored=True)[:2] == ([], 0)


def test_a_refresh_is_idempotent_and_a_version_refresh_agrees_with_the_whole_rounds(world):
    Review.objects.create(
        round=world.round,
        version=world.versions[2],
        reviewer=world.members[world.organisations[0].pk][2],
        status=Review.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    # Changed behind the refresh's back (as a lost message leaves it): stored lags, live moved on.
    assert stored(world.round) != live(world.round)
    for _ in range(2):
        progress_counts_refresh(round_id=world.round.pk, version_ids=[world.versions[2].pk])
        assert_stored_is_live(world.round)
    rows = sorted(VersionProgressCount.objects.filter(round=world.round).values_list("scope", "version_id", "expected"))
    progress_counts_refresh(round_id=world.round.pk)
    assert rows == sorted(
        VersionProgressCount.objects.filter(round=world.round).values_list("scope", "version_id", "expected")
    )
    assert_stored_is_live(world.round)


def test_the_rounds_summary_reads_the_stored_counts(world, django_assert_num_queries):
    (summary,) = round_summaries([world.round])
    count = round_counts([world.round.pk])[world.round.pk]
    assert (summary.expected, summary.submitted) == (count.expected, count.submitted)
    assert summary.expected == expected_reviews_by_round([world.round.pk])[world.round.pk]
    assert not summary.being_updated


def test_a_round_never_refreshed_is_counted_live(world):
    fresh_round = make_round(versions=world.versions[:1])
    make_assignment(review_round=fresh_round, version=world.versions[0], reviewer=world.alone[0])
    assert round_progress_totals(fresh_round) == live_round_progress_totals(fresh_round)
    assert round_progress_totals(fresh_round).expected == 1


def dashboard(client, review_round) -> str:
    page = client.get(reverse("rounds:progress", args=[review_round.slug])).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    # The forms' tokens differ on every request; the rest of the page's content does not.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)


def test_the_dashboard_shows_the_stored_figures_as_the_live_ones_and_says_when_they_lag(world, client, admin):
    page = dashboard(client, world.round)
    assert "0 of 26 expected reviews submitted, 7 overdue." in page
    assert "data-progress-being-updated" not in page
    # Counted live (no stored counts): the same page, but for the markers of the stored path.
    ProgressHeader.objects.filter(round=world.round).delete()
    assert dashboard(client, world.round) == page
    progress_counts_refresh(round_id=world.round.pk)
    # A refresh queued and not yet run (a worker busy): the page says its figures may lag.
    progress_refresh_queued(world.round.pk)
    assert "These figures are being updated" in dashboard(client, world.round)
    progress_refresh_done(world.round.pk)
    assert "These figures are being updated" not in dashboard(client, world.round)


@pytest.mark.parametrize("versions", [2, 12])
def test_the_dashboard_reads_the_stored_counts_in_the_same_queries_whatever_the_size(
    client, admin, django_assert_num_queries, versions
):
    organisation = make_organisation()
    members = [make_reviewer(organisation=organisation) for _ in range(versions)]
    review_round = make_round(versions=[make_version() for _ in range(versions)])
    for version in review_round.versions.all():
        make_assignment(review_round=review_round, version=version, organisation=organisation, due_on=SOON)
        for member in members:
            make_assignment(review_round=review_round, version=version, reviewer=member, due_on=PAST)
    progress_counts_refresh(round_id=review_round.pk)
    # Session, user, two-factor device and groups; the round; its requests (two counts); whether
    # its counts are stored; the totals; a page of versions (a count and the rows) and of
    # organisations and people (a count and the rows); the navigation's memberships.
    with django_assert_num_queries(STORED_DASHBOARD_QUERIES):
        page = dashboard(client, review_round)
    assert f"0 of {versions * versions} expected reviews submitted" in page


def test_the_nightly_repair_recomputes_every_round_but_those_frozen_at_closing(world, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["progress-counts-repair"]
    assert entry["task"] == "reviews.tasks.refresh_every_rounds_progress_counts"
    frozen = make_round(status=ReviewRound.Status.CLOSED, figures_frozen=True)
    # A change whose refresh was lost: the stored counts lag until the repair.
    make_assignment(review_round=world.round, version=world.versions[3], reviewer=make_user())
    assert stored(world.round) != live(world.round)
    assert refresh_every_rounds_progress_counts.delay().get() == ReviewRound.objects.count() - 1
    assert_stored_is_live(world.round)
    assert not ProgressHeader.objects.filter(round=frozen).exists()


def test_the_rounds_page_and_the_charts_say_when_the_figures_lag(world, client):
    client.force_login(make_analyst())
    pages = [reverse("matrix:rounds"), reverse("matrix:round_charts", args=[world.round.slug])]
    for address in pages:
        assert "data-progress-being-updated" not in client.get(address).content.decode()
    progress_refresh_queued(world.round.pk)
    for address in pages:
        assert "data-progress-being-updated" in client.get(address).content.decode()


def test_a_rounds_first_refresh_counts_the_whole_round_even_when_asked_for_one_version(world):
    ProgressHeader.objects.filter(round=world.round).delete()
    progress_counts_refresh(round_id=world.round.pk, version_ids=[world.versions[1].pk])
    assert_stored_is_live(world.round)


def test_closing_drops_the_counts_and_reopening_counts_again(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        closed = round_set_status(review_round=world.round, status=ReviewRound.Status.CLOSED, actor=None)
    assert not ProgressHeader.objects.filter(round=closed).exists()
    assert not VersionProgressCount.objects.filter(round=closed).exists()
    with django_capture_on_commit_callbacks(execute=True):
        round_set_status(review_round=closed, status=ReviewRound.Status.OPEN, actor=None)
    assert_stored_is_live(world.round)


def test_the_order_of_use_cases_is_counted_again_when_a_day_passes(world, monkeypatch, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["progress-reorder"]
    assert entry["task"] == "reviews.tasks.reorder_progress"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {1})
    today = timezone.localdate()
    due_today = make_version(title="Due today")
    world.round.versions.add(due_today)
    make_assignment(review_round=world.round, version=due_today, reviewer=world.alone[0], due_on=today)
    progress_counts_refresh(round_id=world.round.pk)
    assert VersionProgressOrder.objects.get(round=world.round, version=due_today).overdue == 0
    assert_stored_is_live(world.round)

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + datetime.timedelta(days=1))
    # A day on, before the new day's count: the rows still say nothing of it is overdue, so the
    # dashboard orders the stored counts itself, and puts it among the overdue use cases.
    assert VersionProgressOrder.objects.get(round=world.round, version=due_today).overdue == 0
    (row,) = [row for row in stored(world.round)["versions"] if row[0] == due_today.pk]
    assert row[5] == (1, 0, 1)  # expected, submitted, overdue
    assert_stored_is_live(world.round)
    # A refresh of some versions then counts them as at the rows' day, as their neighbours are.
    progress_counts_refresh(round_id=world.round.pk, version_ids=[due_today.pk])
    assert VersionProgressOrder.objects.get(round=world.round, version=due_today).overdue == 0

    assert reorder_progress.delay().get() == 1
    assert ProgressHeader.objects.get(round=world.round).ordered_on == today + datetime.timedelta(days=1)
    assert VersionProgressOrder.objects.get(round=world.round, version=due_today).overdue == 1
    assert_stored_is_live(world.round)
    # Counted as at the day already: the next run counts nothing.
    assert reorder_progress.delay().get() == 0


def test_a_round_counted_before_the_order_existed_is_listed_until_its_next_whole_refresh(world):
    ProgressHeader.objects.filter(round=world.round).update(ordered_on=None)
    VersionProgressOrder.objects.filter(round=world.round).delete()
    submit(world.members[world.organisations[0].pk][0], world.round, world.versions[0])
    progress_counts_refresh(round_id=world.round.pk, version_ids=[world.versions[0].pk])
    assert not VersionProgressOrder.objects.filter(round=world.round).exists()
    assert_stored_is_live(world.round)
    progress_counts_refresh(round_id=world.round.pk)
    assert VersionProgressOrder.objects.filter(round=world.round).count() == len(world.versions)
    assert_stored_is_live(world.round)


def test_the_order_lists_every_version_of_the_round_those_expecting_nobody_included(
    django_capture_on_commit_callbacks,
):
    organisation = make_organisation()
    make_reviewer(organisation=organisation)
    given, nobody, taken_out = make_version(title="Given"), make_version(title="Given to nobody"), make_version()
    draft = make_round(status=ReviewRound.Status.DRAFT)
    make_assignment(review_round=draft, version=given, organisation=organisation, due_on=SOON)
    with django_capture_on_commit_callbacks(execute=True):
        round_versions_change(review_round=draft, add=[nobody.pk, taken_out.pk], remove=[], actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        round_versions_change(review_round=draft, add=[], remove=[taken_out.pk], actor=None)
    rows = stored(draft)["versions"]
    assert [(row[0], row[5]) for row in rows] == [
        (given.pk, (1, 0, 0)),
        (nobody.pk, (0, 0, 0)),
    ]
    assert rows == live(draft)["versions"]
