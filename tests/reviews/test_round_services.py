"""The services behind the admins' round pages: each checks its input, changes nothing when it
refuses, works in bulk and leaves one audit row."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audiences.models import Membership
from bold_portal.models import AuditEvent
from reviews.models import Assignment, Review, ReviewRound, RoundVersion
from reviews.services.assignments import (
    assignment_due_change,
    assignment_reassign,
    assignment_remove,
    assignments_by_audience_create,
)
from reviews.services.rounds import (
    round_close,
    round_open,
    round_opening_problems,
    round_opening_warnings,
    round_settings_change,
    round_versions_add_matching,
    round_versions_change,
)
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from usecases.models import UseCaseVersion

pytestmark = pytest.mark.django_db

LATER = timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def admin():
    return make_user(is_superuser=True)


@pytest.fixture
def draft():
    return make_round(status=ReviewRound.Status.DRAFT, closes_on=timezone.localdate() + datetime.timedelta(days=60))


def actions(review_round=None):
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_assign_by_audience_gives_each_version_to_every_organisation_serving_its_audience(draft, admin):
    homelessness, victims = make_audience(), make_audience()
    crisis = make_organisation(audiences=[homelessness])
    shelter = make_organisation(audiences=[homelessness, victims])
    survivors = make_organisation(audiences=[victims])
    housing, abuse = make_version(audience=homelessness), make_version(audience=victims)
    draft.versions.add(housing, abuse)
    make_assignment(review_round=draft, version=housing, organisation=crisis, due_on=LATER)

    made = assignments_by_audience_create(review_round=draft, due_on=LATER, actor=admin)

    assert made == 3  # Crisis already had the housing use case
    pairs = set(Assignment.objects.filter(round=draft).values_list("version_id", "organisation_id"))
    assert pairs == {
        (housing.pk, crisis.pk),
        (housing.pk, shelter.pk),
        (abuse.pk, shelter.pk),
        (abuse.pk, survivors.pk),
    }
    event = AuditEvent.objects.get(action="assignments_made_by_audience")
    recorded_pairs = event.data.pop("pairs")  # each pair made, for the row's own page
    assert {(pair["version"], pair["organisation"]) for pair in recorded_pairs} == pairs - {(housing.pk, crisis.pk)}
    assert event.data == {
        "assignments": 3,
        "due_on": LATER.isoformat(),
        "skipped_for_declared_interests": 0,
        "object_name": draft.name,
    }


def test_assign_by_audience_makes_the_same_few_queries_whatever_the_size(draft, admin, django_assert_max_num_queries):
    audience = make_audience()
    for _ in range(5):
        make_organisation(audiences=[audience])
    versions = [make_version(audience=audience) for _ in range(40)]
    draft.versions.add(*versions)
    with django_assert_max_num_queries(12):
        assert assignments_by_audience_create(review_round=draft, due_on=LATER, actor=admin) == 200


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        (timezone.localdate() - datetime.timedelta(days=1), "today or in the future"),
        (timezone.localdate() + datetime.timedelta(days=400), "on or before the round's closing date"),
    ],
)
def test_assign_by_audience_refuses_a_bad_due_date_and_changes_nothing(draft, admin, due_on, message):
    audience = make_audience()
    make_organisation(audiences=[audience])
    draft.versions.add(make_version(audience=audience))
    with pytest.raises(ValidationError) as error:
        assignments_by_audience_create(review_round=draft, due_on=due_on, actor=admin)
    assert message in str(error.value)
    assert not Assignment.objects.exists() and not AuditEvent.objects.exists()


def test_versions_are_added_and_removed_a_page_at_a_time(draft, admin):
    first, second, third = make_version(), make_version(), make_version()
    draft.versions.add(first)
    make_assignment(review_round=draft, version=first, organisation=make_organisation())

    changed = round_versions_change(review_round=draft, add=[second.pk, third.pk], remove=[first.pk], actor=admin)

    assert (changed.added, changed.removed) == (2, 1)
    assert set(draft.versions.values_list("pk", flat=True)) == {second.pk, third.pk}
    assert not Assignment.objects.filter(round=draft).exists()  # the removed version's assignment went with it
    assert actions() == ["round_versions_changed"]


def test_versions_cannot_change_once_the_round_is_open(admin):
    review_round = make_round()
    with pytest.raises(ValidationError):
        round_versions_change(review_round=review_round, add=[make_version().pk], remove=[], actor=admin)
    assert not RoundVersion.objects.filter(round=review_round).exists()


def test_every_version_matching_a_filter_is_added_in_one_action(draft, admin):
    audience = make_audience()
    versions = [make_version(audience=audience) for _ in range(5)]
    make_version()  # another audience
    draft.versions.add(versions[0])
    added = round_versions_add_matching(
        review_round=draft, versions=UseCaseVersion.objects.filter(use_case__audience=audience), actor=admin
    )
    assert added == 4
    assert draft.versions.count() == 5
    assert AuditEvent.objects.filter(action="round_versions_changed").count() == 1


def test_opening_is_refused_with_reasons(admin):
    review_round = make_round(
        status=ReviewRound.Status.DRAFT, principles=[], closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    review_round.versions.add(make_version(), make_version())
    problems = round_opening_problems(review_round)
    assert problems.versions_without_assignment == 2 and problems.no_principles and problems.closes_in_the_past
    with pytest.raises(ValidationError) as error:
        round_open(review_round=review_round, actor=admin)
    text = " ".join(error.value.messages)
    assert "2 use case versions are not given to anyone" in text
    assert "no principles" in text and "closing date is in the past" in text
    review_round.refresh_from_db()
    assert review_round.status == ReviewRound.Status.DRAFT


def test_a_ready_round_opens(draft, admin):
    version = make_version()
    organisation = make_organisation()
    make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    make_reviewer(organisation=organisation)
    make_reviewer(organisation=organisation)  # the lead is not expected: two others make the minimum
    make_assignment(review_round=draft, version=version, organisation=organisation)
    assert not round_opening_problems(draft) and not round_opening_warnings(draft)
    assert round_open(review_round=draft, actor=admin).status == ReviewRound.Status.OPEN


def test_settings_of_a_draft_round_change_with_an_audit_row(draft, admin):
    principle = make_principle()
    round_settings_change(
        review_round=draft,
        name="Renamed",
        slug="renamed",
        principles=[principle],
        threshold=Decimal("0.60"),
        min_reviews=3,
        is_blind=False,
        show_aggregate_to_reviewers=False,
        opens_on=None,
        closes_on=None,
        actor=admin,
    )
    draft.refresh_from_db()
    assert (draft.name, draft.slug, draft.threshold, draft.min_reviews, draft.is_blind) == (
        "Renamed",
        "renamed",
        Decimal("0.60"),
        3,
        False,
    )
    assert list(draft.principles.all()) == [principle]
    assert AuditEvent.objects.get(action="round_settings_changed").data["after"]["principles"] == [principle.slug]


def test_settings_of_an_open_round_do_not_change(admin):
    review_round = make_round()
    with pytest.raises(ValidationError):
        round_settings_change(
            review_round=review_round,
            name="Renamed",
            slug="renamed",
            principles=[make_principle()],
            threshold=Decimal("0.5"),
            min_reviews=2,
            is_blind=True,
            show_aggregate_to_reviewers=True,
            opens_on=None,
            closes_on=None,
            actor=admin,
        )
    review_round.refresh_from_db()
    assert review_round.name != "Renamed"


def test_reassign_moves_an_assignment_with_an_audit_row(admin):
    review_round = make_round()
    version = make_version()
    crisis, nacro = make_organisation(), make_organisation()
    make_reviewer(organisation=nacro)
    assignment = make_assignment(review_round=review_round, version=version, organisation=crisis, due_on=LATER)
    assignment_reassign(assignment=assignment, organisation=nacro, actor=admin)
    assignment.refresh_from_db()
    assert assignment.organisation == nacro and assignment.due_on == LATER
    event = AuditEvent.objects.get(action="assignment_reassigned")
    assert event.data["before"]["organisation"] == crisis.pk and event.data["after"]["organisation"] == nacro.pk


def test_reassigning_to_someone_already_assigned_is_refused(admin):
    review_round = make_round()
    version = make_version()
    crisis, nacro = make_organisation(), make_organisation()
    assignment = make_assignment(review_round=review_round, version=version, organisation=crisis)
    make_assignment(review_round=review_round, version=version, organisation=nacro)
    with pytest.raises(ValidationError):
        assignment_reassign(assignment=assignment, organisation=nacro, actor=admin)
    assignment.refresh_from_db()
    assert assignment.organisation == crisis


def test_due_dates_change_and_assignments_are_removed_with_audit_rows(admin):
    review_round = make_round()
    assignment = make_assignment(review_round=review_round, version=make_version(), organisation=make_organisation())
    assignment_due_change(assignment=assignment, due_on=LATER, actor=admin)
    assignment.refresh_from_db()
    assert assignment.due_on == LATER
    assignment_remove(assignment=assignment, actor=admin)
    assert not Assignment.objects.exists()
    assert actions() == ["assignment_due_changed", "assignment_removed"]


def test_closing_records_when_and_who_left_drafts(admin):
    review_round = make_round()
    version = make_version()
    review_round.versions.add(version)
    authors = [make_reviewer(), make_reviewer()]
    for author in authors:
        Review.objects.create(round=review_round, version=version, reviewer=author)
    closed = round_close(review_round=review_round, actor=admin)
    assert closed.review_round.status == ReviewRound.Status.CLOSED
    assert closed.review_round.closed_at is not None
    assert {author.pk for author in closed.draft_authors} == {author.pk for author in authors}
    event = AuditEvent.objects.get(action="round_drafts_left")
    assert event.data["count"] == 2
    # Closed: assignments no longer change.
    with pytest.raises(ValidationError):
        assignments_by_audience_create(review_round=closed.review_round, due_on=None, actor=admin)
