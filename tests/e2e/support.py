"""Helpers for the real-browser tests: the accessibility check, screenshots and signing in."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from reviews import selectors
from reviews.models import Verdict
from reviews.services import VerdictInput, review_save

# Every browser test module's database marker. The tests commit for real (the live server reads
# from another thread); the database is emptied after each one (see conftest's _role_groups).
E2E_DB = pytest.mark.django_db(transaction=True)

AXE = Axe()
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
# axe rule id -> why it is a false positive on GOV.UK Frontend markup. Each entry must name the
# element it excuses; nothing is silenced wholesale. Empty: no false positives found so far.
KNOWN_FALSE_POSITIVES: dict[str, str] = {}

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENSHOT_SIZES = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 812}}


def axe_check(page: Page) -> None:
    """Fail with a readable list of the WCAG 2.2 AA violations axe-core finds on the page."""
    violations = [
        violation
        for violation in AXE.run(page, options=AXE_OPTIONS).response["violations"]
        if violation["id"] not in KNOWN_FALSE_POSITIVES
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
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


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
