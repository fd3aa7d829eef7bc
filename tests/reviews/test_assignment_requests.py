"""Declining an assignment and asking for more time: the services (who may,
bad input, one open request at a time, races), the reviewer's pages, the admins' dashboard and the
lead's page, with bad input on every form (a clear error, nothing changed), people of another
organisation getting a 404, and query counts that do not grow with the requests."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership
from bold_portal.models import AuditEvent
from bold_portal.roles import ADMINS
from reviews.models import AssignmentRequest, ReviewRound
from reviews.selectors.progress import round_progress_totals
from reviews.services.assignments import assignment_reassign
from reviews.services.requests import (
    assignment_decline,
    assignment_more_time_grant,
    assignment_more_time_refuse,
    assignment_more_time_request,
)
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import (
    close_round,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from tests.pages import date_fields, main_content

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DUE = TODAY + datetime.timedelta(days=10)
LATER = TODAY + datetime.timedelta(days=20)
CLOSES = TODAY + datetime.timedelta(days=30)


class World:
    """An open round with one use case given to Crisis (a lead and two members) and another given in
    person to one Crisis member; Nacro, with its own lead, has nothing to do with either."""

    def __init__(self):
        self.audience = make_audience(name="Homelessness")
        self.crisis = make_organisation(name="Crisis", slug="crisis", audiences=[self.audience])
        self.nacro = make_organisation(name="Nacro", slug="nacro")
        self.lead = make_reviewer(organisation=self.crisis, role=Membership.Role.LEAD, email="lead@crisis.example")
        self.amara = make_reviewer(organisation=self.crisis, email="amara@crisis.example", full_name="Amara")
        self.ben = make_reviewer(organisation=self.crisis, email="ben@crisis.example", full_name="Ben")
        self.nacro_lead = make_reviewer(organisation=self.nacro, role=Membership.Role.LEAD)
        self.nacro_reviewer = make_reviewer(organisation=self.nacro)
        self.principle = make_principle(name="Relevant", slug="relevant")
        self.round = make_round(principles=[self.principle], name="Winter", slug="winter", closes_on=CLOSES)
        self.shared = make_version(audience=self.audience, title="Repeat homelessness")
        self.personal = make_version(audience=self.audience, title="Leaving prison")
        self.organisation_assignment = make_assignment(
            review_round=self.round, version=self.shared, organisation=self.crisis, due_on=DUE
        )
        self.personal_assignment = make_assignment(
            review_round=self.round, version=self.personal, reviewer=self.amara, due_on=DUE
        )
        self.admin = make_user(email="admin@bold.example")
        self.admin.groups.add(Group.objects.get(name=ADMINS))

    def url(self, name, version):
        return reverse(f"reviews:{name}", args=[self.round.slug, version.use_case.slug, version.number])

    def expected(self) -> int:
        return round_progress_totals(self.round).expected


@pytest.fixture
def world():
    return World()


def unchanged(before: int):
    assert AuditEvent.objects.count() == before
    assert not AssignmentRequest.objects.exists()


# --- Services ---------------------------------------------------------------------------------


def test_a_reviewer_declines_their_own_assignment_and_it_stops_counting(world):
    # Crisis's two members besides its lead for the shared one, Amara for hers.
    assert world.expected() == 3
    request = assignment_decline(assignment=world.personal_assignment, reason="  I am away.  ", actor=world.amara)
    assert (request.kind, request.state, request.reason) == ("decline", "open", "I am away.")
    assert world.expected() == 2
    event = AuditEvent.objects.get(action="assignment_declined")
    assert event.data == {"request": request.pk, "reason": "I am away."}


def test_only_a_lead_declines_for_the_organisation(world):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="Only your organisation's lead"):
        assignment_decline(assignment=world.organisation_assignment, reason="Not ours.", actor=world.amara)
    with pytest.raises(ValidationError):
        assignment_decline(assignment=world.organisation_assignment, reason="Not ours.", actor=world.nacro_lead)
    with pytest.raises(ValidationError):
        assignment_decline(assignment=world.personal_assignment, reason="Not mine.", actor=world.ben)
    unchanged(before)
    assignment_decline(assignment=world.organisation_assignment, reason="Not our audience.", actor=world.lead)
    assert world.expected() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_decline_needs_a_reason(world, reason):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        assignment_decline(assignment=world.personal_assignment, reason=reason, actor=world.amara)
    assert error.value.message_dict == {"reason": ["Say why you are declining this use case"]}
    unchanged(before)


def test_one_open_request_at_a_time_and_the_database_agrees(world):
    assignment_decline(assignment=world.personal_assignment, reason="Away.", actor=world.amara)
    with pytest.raises(ValidationError, match="already a request"):
        assignment_more_time_request(
            assignment=world.personal_assignment, due_on=LATER, reason="More.", actor=world.amara
        )
    # Two requests racing past the check meet the unique index.
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentRequest.objects.create(
            assignment=world.personal_assignment, kind="decline", reason="Twice.", requested_by=world.amara
        )


def test_the_database_refuses_requests_that_make_no_sense(world):
    bad = [
        {"kind": "decline", "reason": ""},
        {"kind": "more_time", "reason": "No date."},
        {"kind": "decline", "reason": "With a date.", "requested_due_on": LATER},
        {"kind": "decline", "reason": "Granted?", "state": "granted", "decided_at": timezone.now()},
        {"kind": "more_time", "reason": "Refused, when?", "requested_due_on": LATER, "state": "refused"},
    ]
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            AssignmentRequest.objects.create(assignment=world.personal_assignment, requested_by=world.amara, **fields)


def test_a_reviewer_who_has_submitted_cannot_decline(world):
    review_save(
        reviewer=world.amara,
        review_round=world.round,
        version=world.personal,
        verdicts=[VerdictInput(principle_id=world.principle.pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=True,
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="submitted a review"):
        assignment_decline(assignment=world.personal_assignment, reason="Away.", actor=world.amara)
    unchanged(before)


def test_nothing_is_declined_once_the_round_has_closed(world):
    close_round(world.round)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="not open"):
        assignment_decline(assignment=world.personal_assignment, reason="Away.", actor=world.amara)
    unchanged(before)


@pytest.mark.parametrize(
    ("due_on", "reason", "field", "message"),
    [
        (None, "Busy.", "due_on", "Enter the new due date you are asking for"),
        (DUE, "Busy.", "due_on", "The new due date must be after the current one"),
        (CLOSES + datetime.timedelta(days=1), "Busy.", "due_on", "on or before the round's closing date"),
        (LATER, " ", "reason", "Say why you need more time"),
    ],
)
def test_bad_requests_for_more_time_change_nothing(world, due_on, reason, field, message):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        assignment_more_time_request(
            assignment=world.organisation_assignment, due_on=due_on, reason=reason, actor=world.ben
        )
    assert message in " ".join(error.value.message_dict[field])
    unchanged(before)


def test_granting_more_time_moves_the_due_date(world):
    request = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Staff away.", actor=world.ben
    )
    assert request.due_on_before == DUE
    assignment_more_time_grant(request=request, actor=world.lead)
    world.organisation_assignment.refresh_from_db()
    request.refresh_from_db()
    assert world.organisation_assignment.due_on == LATER
    assert (request.state, request.decided_by) == ("granted", world.lead)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["assignment_more_time_requested", "assignment_due_changed", "assignment_more_time_granted"]
    with pytest.raises(ValidationError, match="already been answered"):
        assignment_more_time_refuse(request=request, note="Too late.", actor=world.admin)


def test_refusing_more_time_needs_a_note_and_keeps_the_date(world):
    request = assignment_more_time_request(
        assignment=world.personal_assignment, due_on=LATER, reason="Busy.", actor=world.amara
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        assignment_more_time_refuse(request=request, note="  ", actor=world.admin)
    assert error.value.message_dict == {"note": ["Say why more time cannot be given"]}
    assert AuditEvent.objects.count() == before
    assignment_more_time_refuse(request=request, note="The round closes soon.", actor=world.admin)
    request.refresh_from_db()
    world.personal_assignment.refresh_from_db()
    assert (request.state, request.decision_note, world.personal_assignment.due_on) == (
        "refused",
        "The round closes soon.",
        DUE,
    )
    assert AuditEvent.objects.filter(action="assignment_more_time_refused").count() == 1


def test_reassigning_a_declined_assignment_closes_the_decline_and_expects_the_new_reviewer(world):
    request = assignment_decline(assignment=world.personal_assignment, reason="Away.", actor=world.amara)
    assert world.expected() == 2
    assignment_reassign(assignment=world.personal_assignment, reviewer=world.ben, actor=world.lead)
    request.refresh_from_db()
    assert (request.state, request.decided_by) == ("reassigned", world.lead)
    assert world.expected() == 3
    assert AuditEvent.objects.get(action="assignment_reassigned").data["requests_closed"] == [request.pk]


# --- The reviewer's pages ---------------------------------------------------------------------


def test_a_reviewer_declines_through_the_page(client, world):
    client.force_login(world.amara)
    page = client.get(world.url("use_case", world.personal))
    assert "Decline this use case" in main_content(page)
    assert "Ask for more time" in main_content(page)
    before = AuditEvent.objects.count()

    response = client.post(world.url("decline", world.personal), {"reason": ""})
    assert response.status_code == 200
    assert "Error:" in response.content.decode()
    assert "Say why you are declining this use case" in main_content(response)
    unchanged(before)

    response = client.post(world.url("decline", world.personal), {"reason": "I am on leave."})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "This use case was declined on" in main_content(page)
    assert "Decline this use case" not in main_content(page)


def test_a_reviewer_asks_for_more_time_through_the_page(client, world):
    client.force_login(world.ben)
    url = world.url("more_time", world.shared)
    before = AuditEvent.objects.count()
    for data, message in [
        ({**date_fields("due_on", DUE), "reason": "Busy."}, "The new due date must be after the current one"),
        ({"due_on_0": "31", "due_on_1": "2", "due_on_2": "2030", "reason": "Busy."}, "must be a real date"),
        ({**date_fields("due_on", LATER), "reason": ""}, "Say why you need more time"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert message in main_content(response)
        unchanged(before)
    response = client.post(url, {**date_fields("due_on", LATER), "reason": "Two of us are away."})
    assert response.status_code == 302
    assert AssignmentRequest.objects.get().requested_due_on == LATER


def test_members_cannot_decline_for_the_organisation_and_others_see_nothing(client, world):
    client.force_login(world.ben)
    assert client.get(world.url("decline", world.shared)).status_code == 404
    assert "only its lead can decline it" in main_content(client.get(world.url("use_case", world.shared)))
    client.force_login(world.nacro_reviewer)
    for name in ("decline", "more_time"):
        assert client.get(world.url(name, world.shared)).status_code == 404
        assert client.post(world.url(name, world.personal), {"reason": "x"}).status_code == 404
    client.force_login(world.lead)
    assert client.get(world.url("decline", world.shared)).status_code == 200
    assert not AssignmentRequest.objects.exists()


# --- Answering: the admins' dashboard and the lead's page -------------------------------------


def test_the_dashboard_shows_waiting_requests_first_and_the_admin_answers(client, world):
    older = assignment_more_time_request(
        assignment=world.personal_assignment, due_on=LATER, reason="Busy.", actor=world.amara
    )
    assignment_more_time_refuse(request=older, note="No.", actor=world.admin)
    waiting = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Staff away.", actor=world.ben
    )
    client.force_login(world.admin)
    page = main_content(client.get(reverse("rounds:progress", args=[world.round.slug])))
    assert "1 waiting for an answer" in page
    assert "A declined use case expects nobody" in page
    assert page.index("Staff away.") < page.index("Busy.")

    url = reverse("rounds:request", args=[world.round.slug, waiting.pk])
    before = AuditEvent.objects.count()
    for data, message in [
        ({}, "Choose whether to give the time asked for"),
        ({"decision": "maybe"}, "Select a valid choice"),
        ({"decision": "refuse", "note": ""}, "Say why more time cannot be given"),
    ]:
        response = client.post(url, data)
        assert message in main_content(response)
        assert "Error:" in response.content.decode()
        assert AuditEvent.objects.count() == before
    response = client.post(url, {"decision": "grant", "note": ""})
    assert response.status_code == 302
    world.organisation_assignment.refresh_from_db()
    assert world.organisation_assignment.due_on == LATER
    assert client.post(url, {"decision": "grant"}).status_code == 404  # already answered: no form


def test_the_admin_is_sent_to_reassign_a_declined_assignment(client, world):
    decline = assignment_decline(assignment=world.organisation_assignment, reason="Not ours.", actor=world.lead)
    client.force_login(world.admin)
    page = main_content(client.get(reverse("rounds:request", args=[world.round.slug, decline.pk])))
    assert reverse("rounds:assignment_reassign", args=[world.round.slug, world.organisation_assignment.pk]) in page


def test_a_lead_answers_for_their_organisation_only(client, world):
    decline = assignment_decline(assignment=world.personal_assignment, reason="On leave.", actor=world.amara)
    url = reverse("reviews:organisation_request", args=["crisis", decline.pk])
    for person in (world.nacro_lead, world.ben, world.nacro_reviewer):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"member": world.ben.pk}).status_code == 404
    # Nacro's lead, on Nacro's own address, still cannot reach Crisis's request.
    client.force_login(world.nacro_lead)
    assert client.get(reverse("reviews:organisation_request", args=["nacro", decline.pk])).status_code == 404

    client.force_login(world.lead)
    page = main_content(client.get(reverse("reviews:organisation_reviews", args=["crisis"])))
    assert "On leave." in page
    before = AuditEvent.objects.count()
    for data, message in [({}, "Choose a member"), ({"member": world.nacro_reviewer.pk}, "from the list")]:
        response = client.post(url, data)
        assert message in main_content(response)
        assert AuditEvent.objects.count() == before
    response = client.post(url, {"member": world.ben.pk})
    assert response.status_code == 302
    world.personal_assignment.refresh_from_db()
    decline.refresh_from_db()
    assert (world.personal_assignment.reviewer, decline.state) == (world.ben, "reassigned")


def test_a_lead_grants_more_time(client, world):
    request = assignment_more_time_request(
        assignment=world.organisation_assignment, due_on=LATER, reason="Busy.", actor=world.ben
    )
    client.force_login(world.lead)
    url = reverse("reviews:organisation_request", args=["crisis", request.pk])
    assert client.post(url, {"decision": "grant"}).status_code == 302
    request.refresh_from_db()
    assert request.state == "granted"


def _declines(world, count):
    for n in range(count):
        reviewer = make_reviewer(organisation=world.crisis)
        assignment = make_assignment(
            review_round=world.round, version=make_version(audience=world.audience), reviewer=reviewer, due_on=DUE
        )
        assignment_decline(assignment=assignment, reason=f"Reason {n}.", actor=reviewer)


def test_dashboard_and_lead_page_queries_do_not_grow_with_requests(client, world):
    pages = [
        reverse("rounds:progress", args=[world.round.slug]),
        reverse("reviews:organisation_reviews", args=["crisis"]),
    ]
    client.force_login(world.admin)

    def counts():
        result = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    _declines(world, 1)
    few = counts()
    _declines(world, 9)
    assert "Reason 8." in main_content(client.get(pages[0]))
    assert counts() == few


def test_requests_are_not_kept_on_rounds_in_draft(world):
    draft = make_round(status=ReviewRound.Status.DRAFT, closes_on=CLOSES)
    assignment = make_assignment(review_round=draft, version=world.shared, reviewer=world.amara, due_on=DUE)
    with pytest.raises(ValidationError, match="not open"):
        assignment_more_time_request(assignment=assignment, due_on=LATER, reason="Busy.", actor=world.amara)
