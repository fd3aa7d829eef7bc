"""Two leads of one organisation removing each other at the same moment, on two PostgreSQL
connections. Changes to an organisation's members take turns on the organisation's row, so one
lead goes and the other is told they are the last lead; neither holds its own membership while
waiting for the other's (which was a deadlock, and a server error for one of them).

PostgreSQL only: SQLite serialises writing transactions. CI runs this with
BOLD_REQUIRE_SERVICES=1, where a missing PostgreSQL fails instead of skipping."""

import contextlib
import threading

import pytest
from django.core.exceptions import ValidationError

from audiences.models import Membership
from audiences.services import memberships as services
from audiences.services.memberships import membership_remove
from tests.concurrency import Step, require_postgresql
from tests.factories import make_organisation, make_reviewer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEAD = Membership.Role.LEAD
# How long the first lead to reach the last-lead check waits for the other to reach it too. With
# the organisation's lock the other never can (it waits for that lock), and the first goes on.
MEETING_SECONDS = 2


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("Two leads removing each other (row locks on two connections)")


def test_two_leads_removing_each_other_at_once_leave_one_lead(monkeypatch):
    organisation = make_organisation()
    first = make_reviewer(organisation=organisation, role=LEAD)
    second = make_reviewer(organisation=organisation, role=LEAD)
    first_membership = Membership.objects.get(user=first)
    second_membership = Membership.objects.get(user=second)
    # Each removal stops at the last-lead check, holding every lock it took before it, until
    # the other is there too: the moment a removal that locked its own membership first deadlocked.
    both_there = threading.Barrier(2, timeout=MEETING_SECONDS)
    check = services._check_not_last_lead

    def check_together(membership, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):  # the other waits for this one's locks
            both_there.wait()
        return check(membership, **kwargs)

    monkeypatch.setattr(services, "_check_not_last_lead", check_together)
    steps = [
        Step("first removes second", lambda: membership_remove(membership=second_membership, actor=first)),
        Step("second removes first", lambda: membership_remove(membership=first_membership, actor=second)),
    ]
    for step in steps:
        step.start()
    outcomes = []
    for step in steps:
        try:
            outcomes.append(step.outcome())
        except ValidationError as refusal:
            outcomes.append(refusal)

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(refusals) == 1 and outcomes.count(None) == 1, outcomes
    assert "is the only lead of" in " ".join(refusals[0].messages)
    assert Membership.objects.filter(organisation=organisation, role=LEAD).count() == 1
