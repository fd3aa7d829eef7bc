"""Declared interests: an organisation that declares an interest in a use case
is not given it and cannot review it unless a programme admin overrides the declaration with a
reason. Services, the lead's and the admins' pages with bad input on every form (a clear error,
nothing changed), a lead of another organisation getting a 404, and query counts."""

import datetime
import html
import re

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
from reviews.models import Assignment, DeclaredInterest, Review, ReviewRound
from reviews.services.assignments import assignment_create, assignment_reassign, assignments_by_audience_create
from reviews.services.interests import interest_declare, interest_override, interest_withdraw
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
from tests.pages import main_content

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CLOSES = TODAY + datetime.timedelta(days=30)
CONTRACT = "A contract with the Ministry of Justice, which would receive the data."


class World:
    """Nacro (a lead and a reviewer) and Crisis serve one audience; an open round holds a version of
    the prison leavers use case, given to Nacro and to Nacro's reviewer in person; a draft round
    holds the same version with nothing given yet."""

    def __init__(self):
        self.audience = make_audience(name="Reducing reoffending")
        self.nacro = make_organisation(name="Nacro", slug="nacro", audiences=[self.audience])
        self.crisis = make_organisation(name="Crisis", slug="crisis", audiences=[self.audience])
        self.lead = make_reviewer(organisation=self.nacro, role=Membership.Role.LEAD, email="lead@nacro.example")
        self.reviewer = make_reviewer(organisation=self.nacro, email="reviewer@nacro.example")
        self.crisis_lead = make_reviewer(organisation=self.crisis, role=Membership.Role.LEAD)
        self.principle = make_principle(name="Relevant", slug="relevant")
        self.version = make_version(audience=self.audience, title="Prison leavers and housing")
        self.use_case = self.version.use_case
        self.round = make_round(principles=[self.principle], slug="autumn", closes_on=CLOSES)
        self.draft = make_round(
            principles=[self.principle], slug="spring", status=ReviewRound.Status.DRAFT, closes_on=CLOSES
        )
        self.draft.versions.add(self.version)
        make_assignment(review_round=self.round, version=self.version, organisation=self.nacro)
        make_assignment(review_round=self.round, version=self.version, reviewer=self.reviewer)
        self.admin = make_user(email="admin@bold.example")
        self.admin.groups.add(Group.objects.get(name=ADMINS))

    def declare(self):
        return interest_declare(organisation=self.nacro, use_case=self.use_case, reason=CONTRACT, actor=self.lead)

    def review(self, reviewer=None):
        return review_save(
            reviewer=reviewer or self.reviewer,
            review_round=self.round,
            version=self.version,
            verdicts=[VerdictInput(principle_id=self.principle.pk, verdict="meets")],
            overall_comment="",
            expected_lock_version=0,
            submit=True,
        )

    def review_url(self, name="review"):
        return reverse(f"reviews:{name}", args=[self.round.slug, self.use_case.slug, self.version.number])


@pytest.fixture
def world():
    return World()


# --- Services ---------------------------------------------------------------------------------


def test_declaring_takes_away_the_organisations_and_its_members_assignments(world):
    interest = world.declare()
    assert not Assignment.objects.filter(round=world.round).exists()
    event = AuditEvent.objects.get(action="interest_declared")
    assert event.data["reason"] == CONTRACT
    assert len(event.data["assignments_removed"]) == 2
    assert interest.declared_by == world.lead


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_declaration_needs_a_reason(world, reason):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        interest_declare(organisation=world.nacro, use_case=world.use_case, reason=reason, actor=world.lead)
    assert "Say what the interest is" in error.value.message_dict["reason"][0]
    assert AuditEvent.objects.count() == before
    assert Assignment.objects.filter(round=world.round).count() == 2


def test_one_standing_declaration_per_organisation_and_use_case(world):
    world.declare()
    with pytest.raises(ValidationError, match="already declared"):
        world.declare()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclaredInterest.objects.create(organisation=world.nacro, use_case=world.use_case, reason="Again.")
    with pytest.raises(IntegrityError), transaction.atomic():
        DeclaredInterest.objects.create(organisation=world.crisis, use_case=world.use_case, reason="")


def test_assign_by_rule_skips_the_organisation(world):
    world.declare()
    made = assignments_by_audience_create(review_round=world.draft, due_on=None, actor=world.admin)
    assert made == 1
    assert list(Assignment.objects.filter(round=world.draft).values_list("organisation__slug", flat=True)) == ["crisis"]
    assert (
        AuditEvent.objects.filter(action="assignments_made_by_audience").get().data["skipped_for_declared_interests"]
        == 1
    )


def test_nobody_gives_the_use_case_to_the_organisation_or_its_members_until_overridden(world):
    interest = world.declare()
    for recipient in ({"organisation": world.nacro}, {"reviewer": world.reviewer}):
        with pytest.raises(ValidationError, match="Nacro has declared an interest"):
            assignment_create(review_round=world.draft, version=world.version, actor=world.admin, **recipient)
    crisis = assignment_create(review_round=world.draft, version=world.version, organisation=world.crisis, actor=None)
    with pytest.raises(ValidationError, match="declared an interest"):
        assignment_reassign(assignment=crisis, reviewer=world.lead, actor=world.admin)
    interest_override(interest=interest, reason="Nobody else knows prisons as well.", actor=world.admin)
    assignment_create(review_round=world.draft, version=world.version, organisation=world.nacro, actor=world.admin)


def test_a_member_cannot_review_it_until_overridden(world):
    interest = world.declare()
    with pytest.raises(ValidationError, match="declared an interest"):
        world.review()
    assert not Review.objects.exists()
    interest_override(interest=interest, reason="Agreed with the programme board.", actor=world.admin)
    assert world.review().status == Review.Status.SUBMITTED


def test_withdrawing_and_overriding(world):
    interest = world.declare()
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        interest_override(interest=interest, reason=" ", actor=world.admin)
    assert error.value.message_dict == {"override_reason": ["Say why the organisation may review the use case"]}
    assert AuditEvent.objects.count() == before
    interest_override(interest=interest, reason="Agreed.", actor=world.admin)
    with pytest.raises(ValidationError, match="already been overridden"):
        interest_override(interest=interest, reason="Again.", actor=world.admin)
    interest_withdraw(interest=interest, actor=world.lead)
    with pytest.raises(ValidationError, match="already been withdrawn"):
        interest_withdraw(interest=interest, actor=world.lead)
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-2:] == ["interest_overridden", "interest_withdrawn"]
    # Withdrawn, a new declaration may be made.
    world.declare()
    assert DeclaredInterest.objects.count() == 2


# --- Pages ------------------------------------------------------------------------------------


def confirmation_fields(response) -> dict:
    """The hidden fields of the confirmation page's form, as a browser would post them."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', response.text))


def confirm(client, url, response):
    fields = {name: html.unescape(value) for name, value in confirmation_fields(response).items()}
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(url, fields)


def test_a_lead_declares_an_interest_on_their_organisation_page(client, world):
    url = reverse("reviews:organisation_interests", args=["nacro"])
    client.force_login(world.lead)
    assert "has not declared an interest" in main_content(client.get(url))
    before = AuditEvent.objects.count()
    for data, message in [
        ({"reason": CONTRACT}, "Choose a use case"),
        ({"use_case": "999999", "reason": CONTRACT}, "Choose a use case from the list"),
        ({"use_case": world.use_case.pk, "reason": " "}, "Say what the interest is"),
        ({"use_case": world.use_case.pk, "reason": "x" * 2001}, "2,000 characters or fewer"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Error:" in response.content.decode()
        assert message in main_content(response)
        assert AuditEvent.objects.count() == before
    # Declaring first shows what it takes away and asks to confirm: nothing changes until then.
    response = client.post(url, {"use_case": world.use_case.pk, "reason": CONTRACT})
    assert response.status_code == 200 and "Check what declaring the interest takes away" in response.text
    assert not DeclaredInterest.objects.exists() and AuditEvent.objects.count() == before
    response = confirm(client, url, response)
    assert response.status_code == 302
    interest = DeclaredInterest.objects.get()
    assert (interest.organisation, interest.declared_by) == (world.nacro, world.lead)
    page = main_content(client.get(url))
    assert CONTRACT in page and "Standing" in page

    response = client.post(url, {"use_case": world.use_case.pk, "reason": CONTRACT})
    assert "already declared an interest" in main_content(response)

    withdraw = reverse("reviews:organisation_interest_withdraw", args=["nacro", interest.pk])
    assert "Withdraw the declaration" in main_content(client.get(withdraw))
    assert client.post(withdraw).status_code == 302
    interest.refresh_from_db()
    assert interest.withdrawn_by == world.lead


def test_leads_of_other_organisations_and_reviewers_get_404(client, world):
    interest = world.declare()
    pages = [
        reverse("reviews:organisation_interests", args=["nacro"]),
        reverse("reviews:organisation_interest_withdraw", args=["nacro", interest.pk]),
        reverse("interests:list"),
        reverse("interests:detail", args=[interest.pk]),
        reverse("interests:withdraw", args=[interest.pk]),
    ]
    for person in (world.crisis_lead, world.reviewer):
        client.force_login(person)
        for url in pages:
            assert client.get(url).status_code == 404
            assert client.post(url, {"use_case": world.use_case.pk, "reason": "x"}).status_code == 404
    # Crisis's lead on Crisis's own address cannot withdraw Nacro's declaration.
    client.force_login(world.crisis_lead)
    url = reverse("reviews:organisation_interest_withdraw", args=["crisis", interest.pk])
    assert client.post(url).status_code == 404
    interest.refresh_from_db()
    assert interest.withdrawn_at is None


def test_an_admin_declares_and_overrides(client, world):
    client.force_login(world.admin)
    url = reverse("interests:list")
    before = AuditEvent.objects.count()
    for data, message in [
        ({"use_case": world.use_case.pk, "reason": CONTRACT}, "Choose an organisation"),
        ({"organisation": world.nacro.pk, "reason": CONTRACT}, "Choose a use case"),
        ({"organisation": world.nacro.pk, "use_case": world.use_case.pk}, "Say what the interest is"),
    ]:
        response = client.post(url, data)
        assert message in main_content(response)
        assert AuditEvent.objects.count() == before
    response = client.post(url, {"organisation": world.nacro.pk, "use_case": world.use_case.pk, "reason": CONTRACT})
    assert confirm(client, url, response).status_code == 302
    interest = DeclaredInterest.objects.get()
    assert interest.declared_by == world.admin

    detail = reverse("interests:detail", args=[interest.pk])
    response = client.post(detail, {"override_reason": ""})
    assert "Say why the organisation may review the use case" in main_content(response)
    assert "Error:" in response.content.decode()
    interest.refresh_from_db()
    assert interest.overridden_at is None
    assert client.post(detail, {"override_reason": "Agreed with the board."}).status_code == 302
    interest.refresh_from_db()
    assert (interest.override_reason, interest.overridden_by) == ("Agreed with the board.", world.admin)
    assert "Overridden" in main_content(client.get(detail))
    assert client.post(detail, {"override_reason": "Again."}).status_code == 404


def test_the_admins_assignment_form_explains_the_refusal(client, world):
    world.declare()
    client.force_login(world.admin)
    url = reverse("rounds:version_assignments", args=[world.draft.slug, world.version.pk])
    response = client.post(url, {"organisation": world.nacro.pk})
    assert "Nacro has declared an interest in this use case" in main_content(response)
    assert not Assignment.objects.filter(round=world.draft).exists()


def test_a_member_sees_a_clear_page_instead_of_the_review_form(client, world):
    # Given in person again after the declaration took the first assignment away, by override then
    # a new declaration: the assignment remains, the declaration stands.
    interest = world.declare()
    interest_override(interest=interest, reason="Agreed.", actor=world.admin)
    make_assignment(review_round=world.round, version=world.version, reviewer=world.reviewer)
    interest_withdraw(interest=interest, actor=world.admin)
    DeclaredInterest.objects.create(organisation=world.nacro, use_case=world.use_case, reason=CONTRACT)

    client.force_login(world.reviewer)
    page = main_content(client.get(world.review_url("use_case")))
    assert "Nacro has declared an interest in this use case" in page
    assert "Review this use case" not in page
    response = client.get(world.review_url())
    assert response.status_code == 403
    assert "You cannot review this use case" in main_content(response)
    response = client.post(world.review_url(), {"relevant-verdict": "meets", "lock_version": "0", "action": "submit"})
    assert response.status_code == 403
    assert not Review.objects.exists()


def test_the_interest_list_queries_do_not_grow(client, world):
    client.force_login(world.admin)
    url = reverse("interests:list")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    world.declare()
    few = count()
    for n in range(6):
        organisation = make_organisation(audiences=[world.audience])
        interest_declare(organisation=organisation, use_case=world.use_case, reason=f"Contract {n}.", actor=world.admin)
    interest_override(interest=DeclaredInterest.objects.first(), reason="Agreed.", actor=world.admin)
    assert count() == few


def test_a_closed_round_still_reads_back_a_review_written_before_the_declaration(client, world):
    world.review()
    close_round(world.round)
    interest = world.declare()
    assert Assignment.objects.filter(round=world.round).count() == 2  # closed rounds are left as they were
    client.force_login(world.reviewer)
    response = client.get(world.review_url())
    assert response.status_code == 200
    assert "You cannot review this use case" not in main_content(response)
    assert interest.withdrawn_at is None
