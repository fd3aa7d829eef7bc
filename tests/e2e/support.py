"""Helpers for the real-browser tests: the accessibility check, screenshots and signing in."""

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from accounts import two_factor
from audiences.models import Audience, Organisation
from audiences.services.audiences import audience_authors_add
from principles.models import Principle
from reviews.models import ReviewRound, Verdict
from reviews.selectors import reviews as selectors
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import make_assignment, make_audience, make_author, make_organisation, make_round, make_version
from tests.matrix.analyst_support import make_reviewer
from tests.two_factor import app_device_for
from usecases.models import UseCaseVersion

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


@dataclass(frozen=True)
class Screen:
    """How a journey runs: at 1280 pixels, or at 320 where no page may scroll sideways (WCAG 2.2
    reflow); with JavaScript, or without it (then axe, which needs JavaScript, cannot run)."""

    narrow: bool = False
    javascript: bool = True

    def open(self, new_page) -> Page:
        """A fresh browser context (no shared cookies) with this screen's size and scripting."""
        options = {"viewport": {"width": 320, "height": 640} if self.narrow else {"width": 1280, "height": 900}}
        if not self.javascript:
            options["java_script_enabled"] = False
        return new_page(**options)

    def check(self, page: Page) -> None:
        if self.javascript:
            axe_check(page)
        if self.narrow:
            assert page_width(page) <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways"


WIDE, NARROW, NO_JAVASCRIPT = Screen(), Screen(narrow=True), Screen(javascript=False)
# A journey taken on every screen: at 1280 pixels, at 320, and without JavaScript.
EVERY_SCREEN = pytest.mark.parametrize("screen", [WIDE, NARROW, NO_JAVASCRIPT], ids=["wide", "narrow", "no-javascript"])


@dataclass
class World:
    """What the journeys share: an audience with one published use case version, and, when asked
    for, its author, a reviewing organisation with its reviewers, and a round."""

    audience: Audience
    version: UseCaseVersion
    author: object = None
    organisation: Organisation | None = None
    reviewers: list = field(default_factory=list)
    review_round: ReviewRound | None = None


def build_world(
    *,
    audience: str,
    title: str,
    author: str = "",
    organisation: str = "",
    reviewers: dict[str, str] | None = None,
    principles: Sequence[Principle] | None = None,
    round_fields: dict | None = None,
    assign_organisation: bool = True,
) -> World:
    """audience and title name the audience and its use case; author is the email of the audience's
    author; reviewers maps each reviewer's email in the organisation to their full name. A round
    is made only when round_fields (make_round's fields) are given; the organisation is assigned
    the version in it unless assign_organisation is False (a round assigned reviewer by reviewer,
    or one the version is still to be added to)."""
    built = make_audience(name=audience)
    world = World(audience=built, version=make_version(audience=built, title=title))
    if author:
        world.author = make_author(email=author)
        audience_authors_add(audience=built, users=[world.author], actor=None)
    if organisation:
        world.organisation = make_organisation(name=organisation, audiences=[built])
        world.reviewers = [
            make_reviewer(organisation=world.organisation, email=email, full_name=full_name)
            for email, full_name in (reviewers or {}).items()
        ]
    if round_fields is not None:
        world.review_round = make_round(principles=principles, **round_fields)
        if world.organisation and assign_organisation:
            make_assignment(review_round=world.review_round, version=world.version, organisation=world.organisation)
    return world


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
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if "/account/two-factor/code/" in page.url:
        enter_code(page, two_factor.code_for_now(two_factor.app_device(user)))


def enter_code(page: Page, code: str) -> None:
    page.get_by_label("Code from your authenticator app").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


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
