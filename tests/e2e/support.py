"""Helpers for the real-browser tests: the accessibility check, screenshots and signing in."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from accounts import two_factor
from reviews.models import Verdict
from reviews.selectors import reviews as selectors
from reviews.services.reviews import VerdictInput, review_save
from tests.two_factor import app_device_for

# Every browser test module's database marker. The tests commit for real (the live server reads
# from another thread); the database is emptied after each one, and the role groups the migrations
# wrote are put back (bold_portal.apps).
E2E_DB = pytest.mark.django_db(transaction=True)

AXE = Axe()
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
# axe rule id -> why it is a false positive on GOV.UK Frontend markup. Each entry must name the
# element it excuses; nothing is silenced wholesale. Empty: no false positives found so far.
KNOWN_FALSE_POSITIVES: dict[str, str] = {}

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOT_SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


def axe_results(page: Page) -> dict:
    """axe-core's findings on the page the browser settles on. A click that follows a link may
    still be loading the next page when the check starts: the check waits for it, and runs again
    on the new document if one replaced the old while axe read it."""
    page.wait_for_load_state("load")
    try:
        return AXE.run(page, options=AXE_OPTIONS).response
    except PlaywrightError as error:
        if "documentElement" not in str(error) and "context was destroyed" not in str(error):
            raise
        page.wait_for_load_state("load")
        return AXE.run(page, options=AXE_OPTIONS).response


def axe_check(page: Page) -> None:
    """Fail with a readable list of the WCAG 2.2 AA violations axe-core finds on the page."""
    violations = [
        violation for violation in axe_results(page)["violations"] if violation["id"] not in KNOWN_FALSE_POSITIVES
    ]
    if violations:
        lines = [f"{len(violations)} accessibility problem(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            lines.extend(f"    at {' '.join(node['target'])}: {node['failureSummary']}" for node in violation["nodes"])
        pytest.fail("\n".join(lines), pytrace=False)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    """Save docs/screenshots/<name>-desktop.png and -mobile.png, only when BOLD_SCREENSHOTS=1
    (so that test runs in CI do not rewrite the committed pictures). Long pages pass
    full_page=False: the first screen shows what the page is, at a fraction of the file size."""
    if os.environ.get("BOLD_SCREENSHOTS") != "1":
        return
    original = page.viewport_size
    for label, size in SCREENSHOT_SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=full_page)
    page.set_viewport_size(original)


def page_width(page: Page) -> int:
    """The page's full width in CSS pixels: wider than the viewport means a horizontal scroll bar."""
    return page.evaluate("document.documentElement.scrollWidth")


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in as a person would. Analysts and admins also pass the code step, with the code their
    authenticator app would show: one is set up for them first if they have none (a test device,
    whose secret the test reads from the database)."""
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None and two_factor.two_factor_required(user):
        app_device_for(user)
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/account/two-factor/code/" in page.url:
        enter_code(page, two_factor.code_for_now(two_factor.app_device(user)))


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def submit_review(user, review_round, use_case_slug: str, *, verdict: str = Verdict.Choice.MEETS, reason: str = ""):
    """One verdict on every principle of the round, submitted the way the review form submits it."""
    target = selectors.review_target(round_slug=review_round.slug, use_case_slug=use_case_slug, number=1)
    return review_save(
        reviewer=user,
        review_round=review_round,
        version=target.version,
        verdicts=[
            VerdictInput(principle_id=principle.pk, verdict=verdict, reason=reason)
            for principle in selectors.round_principles(review_round)
        ],
        overall_comment="",
        expected_lock_version=0,
        submit=True,
        organisation=target.organisation_for(user),
    )
