"""The programme's decision on a use case version after a closed round (docs/admin-rounds.md,
"Decisions"): the service's rules, the admins' pages with bad input, who is told, and where the
decision shows: the authors', reviewers' and analysts' pages, the API and the exports."""

import csv
import io
import json

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audiences.models import Membership
from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent, OutboxMessage
from matrix.exporters.registry import EXPORTERS
from matrix.selectors.exports import matrix_document, matrix_table
from matrix.services.recompute import matrix_recompute
from matrix.services.tokens import api_token_create
from reviews.models import Decision, DecisionCondition, ReviewRound
from reviews.services.decisions import ConditionInput, decision_condition_check_off, decision_record
from reviews.services.rounds import round_set_status
from tests.factories import (
    close_round,
    make_admin,
    make_analyst,
    make_assignment,
    make_audience,
    make_author,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import submit

pytestmark = pytest.mark.django_db


class World:
    def __init__(self):
        self.audience = make_audience(name="People experiencing homelessness")
        self.organisation = make_organisation(name="Crisis", audiences=[self.audience])
        self.other_organisation = make_organisation(name="Nacro", audiences=[self.audience])
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.clear = make_principle(name="Clear and informative", slug="clear", order=2)
        self.outside = make_principle(name="Realism", slug="realism", order=3)
        self.version = make_version(audience=self.audience, title="Housing after prison")
        self.round = make_round(principles=[self.relevant, self.clear], slug="spring", name="Spring review")
        self.reviewer = make_reviewer(organisation=self.organisation)
        self.lead = make_reviewer(organisation=self.organisation, role=Membership.Role.LEAD)
        self.bystander = make_reviewer(organisation=self.other_organisation)
        make_assignment(review_round=self.round, version=self.version, organisation=self.organisation)
        make_assignment(review_round=self.round, version=self.version, organisation=self.other_organisation)
        submit(self.reviewer, self.round, self.version, {self.relevant: "meets", self.clear: "does_not_meet"})
        self.admin = make_admin(full_name="Priya Decider")
        self.author = make_author()
        audience_authors_add(audience=self.audience, users=[self.author], actor=None)

    def close(self):
        self.round = close_round(self.round)
        matrix_recompute(round_id=self.round.pk)

    def decide(self, outcome="go_ahead_with_conditions", conditions=None, **extra):
        if conditions is None:
            conditions = [ConditionInput(principle=self.clear, text="Say who receives the data.")]
        return decision_record(
            review_round=self.round,
            version=self.version,
            outcome=outcome,
            reasons="Reviewers found it relevant; one part is unclear.",
            conditions=conditions,
            actor=self.admin,
            **extra,
        )


@pytest.fixture
def world():
    return World()


def test_a_decision_waits_for_the_round_to_close(world):
    with pytest.raises(ValidationError, match="once the round has closed"):
        world.decide()
    assert not Decision.objects.exists()


def test_a_decision_is_recorded_once_with_an_audit_row_and_the_reviewers_told(
    world, django_capture_on_commit_callbacks
):
    world.close()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = world.decide()
    assert decision.outcome == "go_ahead_with_conditions"
    assert [c.text for c in decision.conditions.all()] == ["Say who receives the data."]
    event = AuditEvent.objects.get(action="decision_recorded")
    assert event.after["outcome"] == "go_ahead_with_conditions"
    assert event.after["conditions"] == [{"principle": "clear", "text": "Say who receives the data."}]
    # The reviewer who submitted and their organisation's lead; not the organisation that did not review.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([world.reviewer.email, world.lead.email])
    assert "Go ahead with conditions" in mail.outbox[0].body
    assert OutboxMessage.objects.filter(kind="decision_recorded").count() == 2
    with pytest.raises(ValidationError, match="already been recorded"):
        world.decide(outcome="stop", conditions=[])
    assert Decision.objects.count() == 1


@pytest.mark.parametrize(
    ("outcome", "conditions", "message"),
    [
        ("go_ahead_with_conditions", [], "at least one condition"),
        ("go_ahead", "one", "Only a decision to go ahead with conditions"),
        ("maybe", [], "not a valid choice"),
        ("go_ahead_with_conditions", "outside", "one of the round's principles"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_changes(world, outcome, conditions, message):
    world.close()
    if conditions == "one":
        conditions = [ConditionInput(principle=world.clear, text="Say more.")]
    elif conditions == "outside":
        conditions = [ConditionInput(principle=world.outside, text="Say more.")]
    with pytest.raises(ValidationError, match=message):
        world.decide(outcome=outcome, conditions=conditions)
    assert not Decision.objects.exists() and not AuditEvent.objects.filter(action="decision_recorded").exists()


def test_a_version_not_in_the_round_cannot_be_decided(world):
    world.close()
    with pytest.raises(ValidationError, match="not in the round"):
        decision_record(
            review_round=world.round, version=make_version(), outcome="stop", reasons="No.", actor=world.admin
        )


def test_the_database_refuses_a_second_decision_and_a_decision_without_reasons(world):
    world.close()
    decision = world.decide(outcome="stop", conditions=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            round_version=decision.round_version, outcome="go_ahead", reasons="x", decided_at=decision.decided_at
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(reasons="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(outcome="maybe")


def test_a_round_with_decisions_stays_closed(world):
    world.close()
    world.decide(outcome="stop", conditions=[])
    with pytest.raises(ValidationError, match="stays closed"):
        round_set_status(review_round=world.round, status=ReviewRound.Status.OPEN, actor=world.admin)
    world.round.refresh_from_db()
    assert world.round.status == ReviewRound.Status.CLOSED


def test_a_condition_is_checked_off_against_a_later_version_only(world):
    world.close()
    decision = world.decide()
    condition = decision.conditions.get()
    with pytest.raises(ValidationError, match="later version"):
        decision_condition_check_off(condition=condition, met_in_version=world.version, actor=world.admin)
    with pytest.raises(ValidationError, match="later version"):
        decision_condition_check_off(condition=condition, met_in_version=make_version(number=2), actor=world.admin)
    later = make_version(use_case=world.version.use_case, number=2)
    decision_condition_check_off(condition=condition, met_in_version=later, actor=world.admin)
    condition.refresh_from_db()
    assert condition.is_met and condition.met_in_version == later and condition.met_by == world.admin
    assert AuditEvent.objects.get(action="decision_condition_met").after["number"] == 2
    with pytest.raises(ValidationError, match="already been checked off"):
        decision_condition_check_off(condition=condition, met_in_version=later, actor=world.admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionCondition.objects.filter(pk=condition.pk).update(met_at=None)


def _form(outcome="go_ahead_with_conditions", **extra):
    return {"outcome": outcome, "reasons": "Relevant, but one part is unclear.", **extra}


def test_the_admins_record_a_decision_on_the_page(world, client):
    world.close()
    client.force_login(world.admin)
    url = reverse("rounds:decision", args=[world.round.slug, world.version.pk])
    listing = client.get(reverse("rounds:decisions", args=[world.round.slug]))
    assert "Not decided yet" in listing.content.decode()
    response = client.post(url, _form(principle_1=world.clear.pk, condition_1="Say who receives the data."))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Go ahead with conditions" in page and "Say who receives the data." in page and "✗ Not met yet" in page
    assert "By Priya Decider on" in page
    later = make_version(use_case=world.version.use_case, number=2, title="Housing after prison, revised")
    condition = DecisionCondition.objects.get()
    met_url = reverse("rounds:decision_condition_met", args=[world.round.slug, world.version.pk, condition.pk])
    bad = client.post(met_url, {"version": world.version.pk})
    assert bad.status_code == 400 and "Choose a later version of this use case" in bad.content.decode()
    assert client.post(met_url, {"version": later.pk}).status_code == 302
    assert "✓ Met in version 2" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the programme&#x27;s decision"),
        (_form(reasons=""), "Enter the reasons for the decision"),
        (_form(condition_1="Say more."), "Choose the principle condition 1 is about"),
        (_form(principle_1="PRINCIPLE"), "Enter what condition 1 asks for"),
        (_form(), "Enter at least one condition"),
        (
            _form(outcome="stop", principle_1="PRINCIPLE", condition_1="Say more."),
            "Only a decision to go ahead with conditions",
        ),
        (
            _form(principle_1="999999", condition_1="Say more."),
            "Choose one of the round&#x27;s principles for condition 1",
        ),
        (_form(reasons="a" * 5001), "The reasons must be 5,000 characters or fewer"),
        (_form(reasons="bad\x00text"), "Error"),
    ],
)
def test_bad_input_on_the_decision_form_is_named_and_changes_nothing(world, client, data, message):
    world.close()
    client.force_login(world.admin)
    data = {key: (str(world.clear.pk) if value == "PRINCIPLE" else value) for key, value in data.items()}
    response = client.post(reverse("rounds:decision", args=[world.round.slug, world.version.pk]), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "<title>Error: " in page and "govuk-error-summary" in page
    assert not Decision.objects.exists()


def test_the_decision_form_is_not_offered_before_the_round_closes(world, client):
    client.force_login(world.admin)
    url = reverse("rounds:decision", args=[world.round.slug, world.version.pk])
    assert "once the round has closed" in client.get(url).content.decode()
    client.post(url, _form(outcome="stop"))
    assert not Decision.objects.exists()


def test_the_decision_shows_to_authors_reviewers_and_analysts(world, client):
    world.close()
    world.decide()
    version = world.version
    pages = {
        world.author: reverse("authors:version", args=[version.use_case.slug, version.number]),
        world.reviewer: reverse(
            "matrix:version_summary", args=[world.round.slug, version.use_case.slug, version.number]
        ),
        make_analyst(): reverse("matrix:cell", args=[world.round.slug, version.use_case.slug, version.number, "clear"]),
    }
    for person, url in pages.items():
        client.force_login(person)
        page = client.get(url).content.decode()
        assert "Go ahead with conditions" in page, url
        assert "Say who receives the data." in page and "Not met yet" in page, url
        # Only the admins' own page says which admin decided.
        assert world.admin.get_full_name() not in page, url


def test_the_decision_is_in_the_api_and_the_exports(world, client):
    world.close()
    world.decide()
    analyst = make_analyst()
    key = api_token_create(owner=analyst, name="Notebook", days=30)[1]
    response = client.get(reverse("api:round", args=[world.round.slug]), HTTP_AUTHORIZATION=f"Bearer {key}")
    decisions = response.json()["decisions"]
    assert decisions == [
        {
            "use_case": world.version.use_case.slug,
            "version": 1,
            "decision": "go_ahead_with_conditions",
            "decision_in_words": "Go ahead with conditions",
            "reasons": "Reviewers found it relevant; one part is unclear.",
            "decided_on": decisions[0]["decided_on"],
            "conditions": [
                {"principle": "clear", "condition": "Say who receives the data.", "met": False, "met_in_version": None}
            ],
        }
    ]
    document = matrix_document(world.round)
    assert document["rows"][0]["decision"]["decision"] == "go_ahead_with_conditions"
    json.dumps(document, default=str)
    header, rows = matrix_table(document)
    row = dict(zip(header, rows[0], strict=True))
    assert row["decision"] == "go_ahead_with_conditions"
    assert row["decision_conditions"] == "clear: Say who receives the data. (not met)"
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    assert "decision_reasons" in out.getvalue()


def test_at_most_five_conditions(world):
    world.close()
    conditions = [ConditionInput(principle=world.clear, text=f"Condition {n}.") for n in range(6)]
    with pytest.raises(ValidationError, match="at most 5 conditions"):
        world.decide(conditions=conditions)
    assert not Decision.objects.exists()


def test_the_pdf_says_the_decision_under_the_title(world):
    world.close()
    world.decide(outcome="go_ahead", conditions=[])
    reader = pypdf.PdfReader(io.BytesIO(EXPORTERS["pdf"].render(world.round)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Housing after prison Decision: Go ahead" in text


def test_a_reviewer_sees_the_decision_even_where_the_round_shares_nothing_else(world, client):
    ReviewRound.objects.filter(pk=world.round.pk).update(show_aggregate_to_reviewers=False)
    world.close()
    world.decide(outcome="stop", conditions=[])
    client.force_login(world.reviewer)
    version = world.version
    response = client.get(
        reverse("matrix:version_summary", args=[world.round.slug, version.use_case.slug, version.number])
    )
    assert response.status_code == 403
    assert "Stop" in response.content.decode() and "Reviewers found it relevant" in response.content.decode()
