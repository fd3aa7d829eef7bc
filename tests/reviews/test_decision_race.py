"""Two admins recording the decision on the same use case at once, on two real PostgreSQL
connections: the second waits for the first's lock on the round's version, then is told a decision
has been recorded; one decision and one audit row stand (docs/admin-rounds.md, "Decisions")."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bold_portal.models import AuditEvent
from reviews.models import Decision
from reviews.services.decisions import decision_record
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_admin, make_round, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_second_admin_waits_then_is_told_the_decision_is_recorded():
    require_postgresql("Two admins deciding at once (FOR UPDATE on the round's version)")
    version = make_version()
    review_round = make_round(versions=[version], status="closed")
    first_admin, second_admin = make_admin(), make_admin()
    saved, release = threading.Event(), threading.Event()

    def first_decision():
        with transaction.atomic():
            decision_record(
                review_round=review_round, version=version, outcome="go_ahead", reasons="Clear.", actor=first_admin
            )
            saved.set()
            assert release.wait(STEP_SECONDS), "the test never let the first decision commit"

    first = Step("first admin", first_decision)
    second = Step(
        "second admin",
        lambda: decision_record(
            review_round=review_round, version=version, outcome="stop", reasons="Unclear.", actor=second_admin
        ),
    )
    try:
        first.start()
        assert saved.wait(STEP_SECONDS)
        second.start()
        wait_until_blocked_by(second, first)
    finally:
        release.set()
    first.outcome()
    with pytest.raises(ValidationError, match="already been recorded"):
        second.outcome()

    assert list(Decision.objects.values_list("outcome", "decided_by")) == [("go_ahead", first_admin.pk)]
    assert AuditEvent.objects.filter(action="decision_recorded").count() == 1
