"""Every HTML email the portal sends, as a mail program that shows HTML would: made by the real
services, then opened in Chromium at 320 pixels, where nothing may scroll sideways and axe-core
finds no WCAG 2.2 AA problem."""

import pytest
from django.test import override_settings
from django.utils import timezone

from audiences.services.invitations import invitation_create
from audiences.services.people import reviewer_accounts_create
from reviews.models import Review, ReviewRound
from reviews.services.reminders import reminders_send
from reviews.services.rounds import round_close, round_open
from tests.e2e.support import E2E_DB, axe_check, page_width
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = [pytest.mark.e2e, E2E_DB]


@override_settings(PORTAL_URL="https://bold-use-case-review.example.org")
def test_every_html_email_fits_a_narrow_screen_and_passes_axe(narrow_page, mailoutbox, client):
    admin = make_user(is_superuser=True, full_name="Ada Admin")
    audience = make_audience(name="Homelessness")
    crisis = make_organisation(name="Crisis", audiences=[audience])
    ann = make_reviewer(organisation=crisis, email="ann@crisis.example", full_name="Ann Example")
    version = make_version(audience=audience, title="Health of people leaving temporary housing accommodation")
    review_round = make_round(name="Spring round", status=ReviewRound.Status.DRAFT)
    today = timezone.localdate()
    make_assignment(review_round=review_round, version=version, organisation=crisis, due_on=today)

    invitation_create(organisation=crisis, email="new.reviewer@crisis.example", role="reviewer", invited_by=admin)
    reviewer_accounts_create(people={"imported.reviewer.with.a.long.address@crisis.example": crisis}, actor=admin)
    client.post("/password-reset/", {"email": ann.email})
    round_open(review_round=review_round, actor=admin, open_anyway=True)  # Crisis has no lead
    reminders_send(today=today)
    Review.objects.create(round=review_round, version=version, reviewer=ann, status="draft")
    round_close(review_round=review_round, actor=admin)

    # Ann and the imported reviewer are both Crisis members: the round's emails go to each.
    assert [message.subject for message in mailoutbox] == [
        "You are invited to review BOLD use cases for Crisis",
        "Create your password for BOLD use case review",
        "Reset your password for BOLD use case review",
        *["Spring round is open: BOLD use cases for you to review"] * 2,
        *["Reminder: BOLD use case review due today"] * 2,
        *["Spring round has closed"] * 2,
    ]
    for message in mailoutbox:
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        narrow_page.set_content(html)
        assert page_width(narrow_page) <= 320, message.subject
        axe_check(narrow_page)
