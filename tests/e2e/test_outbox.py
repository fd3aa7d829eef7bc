"""The admins' outbox in a real browser: the list, one message, the previews of every kind of
email and one preview pass axe and fit the screen at 1280 and 320 pixels."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from bold_portal.email import email_queue
from reviews.demo import bold_report as report
from tests.e2e.support import E2E_DB, axe_check, page_width, sign_in

pytestmark = [pytest.mark.e2e, E2E_DB]

ADMIN = "admin@demo.bold.example"


@pytest.fixture
def stored_email(live_server):
    """The demo data, and one email waiting in the outbox."""
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    [message] = email_queue(
        template="reviews/email/request_arrived",
        kind="request_arrived",
        to=["sam@example.org"],
        context={"name": "Sam", "kind": "decline", "title": "Repeat homelessness", "round": "Spring", "who": "Alex"},
    )
    return message


@pytest.mark.parametrize("width", [1280, 320])
def test_the_outbox_a_message_and_the_previews_pass_axe_and_fit(new_page, stored_email, width):
    page = new_page(viewport={"width": width, "height": 900})
    sign_in(page, ADMIN, report.DEMO_PASSWORD)
    for path, heading in [
        ("/manage/outbox/", "Outbox"),
        (f"/manage/outbox/{stored_email.pk}/", stored_email.subject),
        ("/manage/outbox/previews/", "Email previews"),
        ("/manage/outbox/previews/request_answered/", "A request for more time answered"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert page_width(page) <= width, f"{path} scrolls sideways"
        axe_check(page)
