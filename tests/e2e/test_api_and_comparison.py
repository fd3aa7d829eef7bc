"""The analysts' comparison page, API token pages and API documentation in a real browser: axe-core
on each, a 320-pixel screen, and no JavaScript for the pages that need none. The documentation
page runs Swagger UI from the portal's own static files with no Content Security Policy violation."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from matrix.models import MatrixCell
from principles.rule import CROSS, TICK
from tests.e2e.support import E2E_DB, axe_check, page_width
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS
from tests.factories import make_analyst, make_audience, make_principle, make_round, make_version
from tests.matrix.analyst_support import mark_computed

pytestmark = [pytest.mark.e2e, E2E_DB]


def signed_in(page: Page, live_server, user) -> Page:
    """The browser carries the session of a sign-in that passed two-factor (the test client's
    force_login does both), so these tests do not depend on the sign-in pages."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


@pytest.fixture
def two_rounds(db):
    audience = make_audience(name="Homelessness")
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear and informative", slug="clear", order=2)
    spring = make_round(name="Spring 2025", slug="spring", principles=[relevant, clear])
    autumn = make_round(name="Autumn 2025", slug="autumn", principles=[relevant, clear])
    first = make_version(audience=audience, title="Repeat homelessness")
    second = make_version(use_case=first.use_case, number=2, title="Repeat homelessness among prison leavers")
    for review_round, version, outcomes in ((spring, first, (CROSS, TICK)), (autumn, second, (TICK, TICK))):
        review_round.versions.add(version)
        mark_computed(review_round, [version.pk])  # the row first: a cell needs its row
        for principle, outcome in zip((relevant, clear), outcomes, strict=True):
            MatrixCell.objects.create(
                round=review_round,
                version=version,
                principle=principle,
                meets=2,
                does_not_meet=1,
                not_sure=0,
                outcome=outcome,
            )
    return spring, autumn


NARROW = {"width": 320, "height": 640}


def narrow_pages(new_page, live_server, user) -> tuple[Page, Page]:
    """The same person on a 320-pixel screen with and without JavaScript. axe-core and the width
    check run scripts in the page, so they run on the first; the second shows the page works
    without any."""
    return (
        signed_in(new_page(viewport=NARROW), live_server, user),
        signed_in(new_page(viewport=NARROW, java_script_enabled=False), live_server, user),
    )


def check_page(page: Page, url: str) -> None:
    """axe-core finds nothing and nothing scrolls sideways at 320 pixels."""
    page.goto(url)
    assert page_width(page) <= 320, url
    axe_check(page)


def check_wide(page: Page, url: str) -> None:
    """axe-core finds nothing and nothing scrolls sideways at 1280 pixels."""
    page.goto(url)
    assert page_width(page) <= 1280, url
    axe_check(page)


def test_the_comparison_works_without_javascript_and_at_320_pixels(new_page, live_server, two_rounds):
    checked, page = narrow_pages(new_page, live_server, make_analyst())
    wide = signed_in(new_page(viewport={"width": 1280, "height": 900}), live_server, make_analyst())
    page.goto("/rounds/")
    page.get_by_role("link", name="Compare two rounds side by side").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rounds side by side")
    check_page(checked, page.url)

    page.get_by_label("First round").select_option(label="Spring 2025")
    page.get_by_label("Second round").select_option(label="Autumn 2025")
    page.get_by_label("Show only use cases that improved or worsened").check()
    page.get_by_role("button", name="Compare").click()

    # The summary line, the warning (autumn is still open) and the table, round A -> round B.
    expect(page.locator("[data-comparison-summary]")).to_contain_text(
        "Across 2 cells: 1 improved, 0 worsened, 1 unchanged and 0 not comparable."
    )
    expect(page.locator("[data-caveat='autumn']")).to_contain_text("Autumn 2025 is not closed yet")
    row = page.locator("[data-use-case]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("version 1 → version 2")
    expect(row.locator("[data-principle='relevant']")).to_contain_text("Improved")
    expect(row.locator("[data-principle='clear']")).to_contain_text("No change")
    check_page(checked, page.url)
    check_wide(wide, page.url)

    # One use case across the two rounds, with the counts behind each cell.
    row.get_by_role("link", name="Repeat homelessness among prison leavers").click()
    card = page.locator("[data-use-case]")
    expect(card).to_contain_text("Spring 2025: version 1")
    expect(card).to_contain_text("Autumn 2025: version 2")
    expect(card.locator("[data-principle='relevant'] [data-change-words]")).to_contain_text(
        "Improved: does not meet to meets"
    )
    expect(card.locator("[data-principle='relevant']")).to_contain_text("2 meet, 1 does not meet, 0 not sure")
    check_page(checked, page.url)
    check_wide(wide, page.url)
    card.get_by_role("link", name="Why: Relevant in Spring 2025").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Relevant")
    page.go_back()
    page.get_by_role("link", name="Compare every use case").first.click()
    expect(page.locator("[data-comparison-table]")).to_be_visible()

    # The same round twice: the GOV.UK error summary.
    page.get_by_label("Second round").select_option(label="Spring 2025")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose a second round that is different from the first"
    )
    check_page(checked, page.url)


def test_an_analyst_makes_and_revokes_a_token_without_javascript_and_at_320_pixels(new_page, live_server, db):
    checked, page = narrow_pages(new_page, live_server, make_analyst())
    page.goto("/api-tokens/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your API tokens")
    check_page(checked, "/api-tokens/")

    # The form, first with its errors (on the page with scripts, where axe runs).
    checked.goto("/api-tokens/new/")
    checked.get_by_role("button", name="Create the token").click()
    expect(checked.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    assert page_width(checked) <= 320
    axe_check(checked)

    page.get_by_role("link", name="Create a token").click()
    page.get_by_label("Name").fill("R notebook")
    page.get_by_label("Expires after (days)").fill("14")
    page.get_by_role("button", name="Create the token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Token created")
    key = page.locator("[data-api-token]").input_value()
    assert key.startswith("bold_")

    # The page that shows the key exists once per token, so it is checked on its own token.
    checked.goto("/api-tokens/new/")
    checked.get_by_label("Name").fill("Python script")
    checked.get_by_role("button", name="Create the token").click()
    expect(checked.get_by_role("heading", level=1)).to_have_text("Token created")
    assert page_width(checked) <= 320
    axe_check(checked)

    page.goto("/api-tokens/")
    token = page.locator("[data-token]", has_text="R notebook")
    expect(token).to_contain_text("Active")
    assert key not in page.content()
    check_page(checked, "/api-tokens/")
    token.get_by_role("link", name="Revoke R notebook").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke the token")
    check_page(checked, page.url)
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.locator("[data-token]", has_text="R notebook")).to_contain_text("Revoked")
    check_page(checked, "/api-tokens/")


@pytest.mark.parametrize("width", [1280, 320])
def test_the_api_documentation_runs_under_the_policy(new_page, live_server, db, width):
    page = signed_in(new_page(viewport={"width": width, "height": 900}), live_server, make_analyst())
    page.add_init_script(RECORD_VIOLATIONS)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    response = page.goto("/api/docs/")
    assert "unsafe-inline" not in response.headers["content-security-policy"]

    # Swagger UI fetched the schema (with the session) and drew every operation.
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(page.locator(".swagger-ui .opblock")).to_have_count(5)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/rounds/{round_slug}/matrix/")
    assert page.evaluate("window.cspViolations") == []
    assert errors == []
    assert page_width(page) <= width
    axe_check(page)


def test_without_javascript_the_documentation_page_points_to_the_schema(new_page, live_server, db):
    _, page = narrow_pages(new_page, live_server, make_analyst())
    page.goto("/api/docs/")
    expect(page.get_by_text("The interactive documentation needs JavaScript.")).to_be_visible()
    expect(page.get_by_role("link", name="The OpenAPI schema (JSON)")).to_be_visible()
