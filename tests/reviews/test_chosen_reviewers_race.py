"""Two leads choosing who reviews the same use case at once, on two real PostgreSQL connections:
the second waits for the first's lock on the assignment, then replaces its choice whole, so the
result is one choice or the other, never a mix of both (docs/reviewer-journey.md)."""

import threading

import pytest
from django.db import transaction

from audiences.models import Membership
from reviews.models import ChosenReviewer
from reviews.services.chosen_reviewers import assignment_reviewers_choose
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_second_lead_waits_and_replaces_the_first_choice_whole():
    require_postgresql("Two leads choosing at once (FOR UPDATE on the assignment)")
    organisation = make_organisation()
    first_lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    second_lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    amara, ben = make_reviewer(organisation=organisation), make_reviewer(organisation=organisation)
    assignment = make_assignment(review_round=make_round(), version=make_version(), organisation=organisation)
    chosen_by_first = Membership.objects.get(user=amara)
    chosen_by_second = Membership.objects.get(user=ben)
    saved, release = threading.Event(), threading.Event()

    def first_choice():
        with transaction.atomic():
            assignment_reviewers_choose(assignment=assignment, memberships=[chosen_by_first], actor=first_lead)
            saved.set()
            assert release.wait(STEP_SECONDS), "the test never let the first choice commit"

    first = Step("first lead", first_choice)
    second = Step(
        "second lead",
        lambda: assignment_reviewers_choose(assignment=assignment, memberships=[chosen_by_second], actor=second_lead),
    )
    try:
        first.start()
        assert saved.wait(STEP_SECONDS)
        second.start()
        wait_until_blocked_by(second, first)
    finally:
        release.set()
    first.outcome()
    second.outcome()

    assert list(ChosenReviewer.objects.filter(assignment=assignment).values_list("membership", flat=True)) == [
        chosen_by_second.pk
    ]
