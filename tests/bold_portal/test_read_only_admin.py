"""The Django admin shows rounds, assignments, reviews, verdicts, organisations, memberships,
people, invitations, audiences, principles, staff-role groups and sign-in records but changes none
of them (bold_portal.admin.ReadOnlyAdmin): every change goes through the portal's services, with
their checks and audit rows. test_admin_registry.py checks every registered page the same way."""

import copy

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict
from django.urls import reverse

from accounts.models import User
from audiences.models import Audience, Invitation, Membership, Organisation
from audiences.services.invitations import invitation_create
from bold_portal.models import AuditEvent
from principles.models import Principle
from reviews.models import Assignment, Review, ReviewRound, Verdict
from reviews.services.reviews import VerdictInput, review_save
from tests.database import shared_by_module
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_round,
    make_user,
    make_version,
)

pytestmark = pytest.mark.django_db

# For each model: a plausible edit an admin might try, field by field, as the change form posts it.
EDITS = {
    ReviewRound: {"name": "Renamed round", "status": "closed", "threshold": "0.90", "min_reviews": "1"},
    Assignment: {"due_on": "2031-01-01"},
    Review: {"status": "withdrawn", "overall_comment": "Edited by an admin"},
    Verdict: {"verdict": "does_not_meet", "reason": "Edited by an admin"},
    Organisation: {"name": "Renamed organisation", "slug": "renamed"},
    Membership: {"role": "lead"},
    User: {"email": "someone-else@example.org", "full_name": "Renamed", "is_superuser": "on"},
    Invitation: {"email": "someone-else@example.org", "role": "lead"},
    Audience: {"name": "Renamed audience", "slug": "renamed", "display_order": "9", "colour": "#000000"},
    Principle: {"name": "Renamed principle", "slug": "renamed", "order": "9", "question": "Edited?"},
    Group: {"name": "Renamed group"},
    AccessAttempt: {"username": "someone-else@example.org", "failures_since_start": "0"},
}


@pytest.fixture(scope="module")
def shared_rows(django_db_setup, django_db_blocker):
    """Built once for the module's tests (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        yield one_row_of_each_model()


@pytest.fixture
def rows(shared_rows, db):
    return copy.deepcopy(shared_rows)


def one_row_of_each_model():
    """One row of each model the admin shows read-only."""
    organisation = make_organisation(name="Crisis", slug="crisis")
    reviewer = make_user(email="reviewer@crisis.example")
    membership = Membership.objects.create(user=reviewer, organisation=organisation)
    principle = make_principle()
    version = make_version()
    review_round = make_round(principles=[principle], versions=[version])
    assignment = make_assignment(review_round=review_round, version=version, reviewer=reviewer)
    review = review_save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=principle.pk, verdict=Verdict.Choice.MEETS)],
        overall_comment="As submitted",
        expected_lock_version=0,
        submit=True,
        organisation=organisation,
    )
    lead = make_user(email="lead@crisis.example")
    Membership.objects.create(user=lead, organisation=organisation, role=Membership.Role.LEAD)
    invitation, _token = invitation_create(
        organisation=organisation, email="new@example.org", role=Membership.Role.REVIEWER, invited_by=lead
    )
    return {
        ReviewRound: review_round,
        Assignment: assignment,
        Review: review,
        Verdict: review.verdicts.get(),
        Organisation: organisation,
        Membership: membership,
        User: reviewer,
        Invitation: invitation,
        Audience: make_audience(name="Homelessness"),
        Principle: principle,
        Group: Group.objects.order_by("pk").first(),
        AccessAttempt: AccessAttempt.objects.create(
            username="reviewer@crisis.example", ip_address="192.0.2.1", user_agent="test", failures_since_start=5
        ),
    }


@pytest.fixture
def superuser(client):
    user = make_user(email="root@bold.example", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def state(model):
    """Every row of the model, field by field, to compare before and after."""
    return [model_to_dict(obj) for obj in model.objects.order_by("pk")]


MODELS = list(EDITS)
IDS = [model.__name__ for model in MODELS]


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_superuser_can_list_and_open_every_row(client, superuser, rows, model):
    listing = client.get(admin_url(model, "changelist"))
    assert listing.status_code == 200
    assert admin_url(model, "change", rows[model].pk) in listing.text
    assert admin_url(model, "add") not in listing.text, "no add button"

    page = client.get(admin_url(model, "change", rows[model].pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.text and 'name="_continue"' not in page.text, "no save buttons"
    assert admin_url(model, "delete", rows[model].pk) not in page.text, "no delete link"


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_post_to_change_a_row_is_refused_and_changes_nothing(client, superuser, rows, model):
    before, audited = state(model), AuditEvent.objects.count()

    response = client.post(admin_url(model, "change", rows[model].pk), EDITS[model])

    assert response.status_code == 403
    assert state(model) == before
    assert AuditEvent.objects.count() == audited


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_post_to_add_a_row_is_refused_and_adds_nothing(client, superuser, rows, model):
    before, audited = state(model), AuditEvent.objects.count()

    assert client.get(admin_url(model, "add")).status_code == 403
    response = client.post(admin_url(model, "add"), EDITS[model])

    assert response.status_code == 403
    assert state(model) == before
    assert AuditEvent.objects.count() == audited


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_a_post_to_delete_a_row_is_refused_and_deletes_nothing(client, superuser, rows, model):
    before = state(model)

    response = client.post(admin_url(model, "delete", rows[model].pk), {"post": "yes"})

    assert response.status_code == 403
    assert state(model) == before


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_the_bulk_delete_action_is_not_offered(client, superuser, rows, model):
    before = state(model)

    response = client.post(
        admin_url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [rows[model].pk], "post": "yes"},
    )

    assert 'value="delete_selected"' not in client.get(admin_url(model, "changelist")).text
    assert response.status_code in {200, 302, 403}
    assert state(model) == before
