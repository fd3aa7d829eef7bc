"""The Content Security Policy blocks nothing the portal itself needs: a mistake there would
switch GOV.UK Frontend's JavaScript off without any error on the page."""

import pytest
from playwright.sync_api import expect

from tests.e2e.support import E2E_DB, sign_in
from tests.factories import make_reviewer, make_round, make_user, make_version

pytestmark = [pytest.mark.e2e, E2E_DB]

PASSWORD = "correct-horse-battery"
# The browser reports each blocked script or style as a "securitypolicyviolation" event.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_pages_run_govuk_frontend_under_the_policy(page):
    make_reviewer(email="sam@example.org", password=PASSWORD)
    page.add_init_script(RECORD_VIOLATIONS)
    failed = []
    # The portal has no favicon of its own (GOV.UK's crown is for gov.uk services only), so the
    # browser's own request for one is expected to fail.
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and failed.append(r.url))
    page.on("pageerror", lambda error: failed.append(str(error)))

    response = page.goto("/sign-in/")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    sign_in(page, "sam@example.org", PASSWORD)

    # The inline snippet ran (body classes) and so did the module that calls initAll.
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")
    expect(page.locator("[data-module='govuk-service-navigation']")).to_have_attribute(
        "data-govuk-service-navigation-init", ""
    )
    assert page.evaluate("window.cspViolations") == []
    assert failed == []


def test_the_admin_runs_under_the_policy(page):
    make_user(email="admin@example.org", password=PASSWORD, is_staff=True, is_superuser=True)
    review_round = make_round()
    use_case = make_version().use_case
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, "admin@example.org", PASSWORD)

    # A read-only page with inlines (a use case and its versions), a read-only change page
    # (rounds change only through the portal) and a list with filters.
    for path in [
        "/admin/",
        f"/admin/usecases/usecase/{use_case.pk}/change/",
        f"/admin/reviews/reviewround/{review_round.pk}/change/",
        "/admin/audiences/organisation/",
    ]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        assert page.evaluate("window.cspViolations") == [], path
