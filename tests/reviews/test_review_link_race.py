"""Two leads sending the same reviewer a personal link at the same moment, on two PostgreSQL
connections: sending takes turns on the person's row, so the second link replaces the first and
one link is live, never two (and neither sender gets a server error).

PostgreSQL only: SQLite serialises writing transactions. CI runs this with
BOLD_REQUIRE_SERVICES=1, where a missing PostgreSQL fails instead of skipping."""

import threading

import pytest

from audiences.models import Membership
from bold_portal.models import AuditEvent
from reviews.models import ReviewLink
from reviews.services import review_links as services
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_assignment, make_organisation, make_reviewer, make_round, make_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_two_leads_sending_at_once_leave_one_live_link(monkeypatch):
    require_postgresql("Two leads sending one person a link (row locks on two connections)")
    organisation = make_organisation()
    reviewer = make_reviewer(organisation=organisation)
    first_lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    second_lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    review_round = make_round()
    make_assignment(review_round=review_round, version=make_version(), organisation=organisation)
    # The first send stops before its commit (at its email) until the second is seen waiting.
    first_at_email, release = threading.Event(), threading.Event()
    email_send = services.email_send

    def first_waits(**kwargs):
        if kwargs["context"]["sender_name"] == first_lead.email:
            first_at_email.set()
            assert release.wait(STEP_SECONDS)
        return email_send(**kwargs)

    monkeypatch.setattr(services, "email_send", first_waits)
    first = Step(
        "first lead", lambda: services.review_link_send(person=reviewer, review_round=review_round, actor=first_lead)
    )
    second = Step(
        "second lead", lambda: services.review_link_send(person=reviewer, review_round=review_round, actor=second_lead)
    )
    first.start()
    assert first_at_email.wait(STEP_SECONDS)  # holding the person's row, its link saved
    second.start()
    wait_until_blocked_by(second, first)
    release.set()
    first_link, _ = first.outcome()
    second_link, _ = second.outcome()

    assert list(ReviewLink.objects.filter(revoked_at__isnull=True)) == [second_link]
    revoked = AuditEvent.objects.get(action="review_link_revoked")
    assert revoked.object_id == str(first_link.pk) and revoked.data["reason"] == "sent_again"
