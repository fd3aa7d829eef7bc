import re

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audiences.models import Membership
from bold_portal import roles
from bold_portal.views import server_error
from tests.factories import make_reviewer, make_user

pytestmark = pytest.mark.django_db

# Pages anyone may open; everything else sends an anonymous visitor to sign in.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "audiences:invitation_accept",
    "accessibility",
    "privacy",
    "health_check",
    "favicon",
}
# The URL namespaces this part of the portal owns (None: the top level, without the admin).
OWNED_NAMESPACES = {None, "accounts", "audiences"}
SAMPLE_ARGUMENT = {"IntConverter": "1", "UUIDConverter": "00000000-0000-0000-0000-000000000000"}


def _owned_pages(resolver=None, prefix="", namespace=None):
    """(name, example path) for every page in the owned namespaces, arguments filled with samples."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from _owned_pages(pattern, prefix + str(pattern.pattern), pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and namespace in OWNED_NAMESPACES:
            converters = pattern.pattern.converters
            route = re.sub(
                r"<(?:\w+:)?(\w+)>",
                lambda match, converters=converters: SAMPLE_ARGUMENT.get(type(converters[match[1]]).__name__, "sample"),
                prefix + str(pattern.pattern),
            )
            full_name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield full_name, "/" + route


OWNED_PAGES = sorted(_owned_pages())


def test_the_loop_sees_the_pages():
    names = {name for name, _path in OWNED_PAGES}
    assert {"home", "login", "logout", "audiences:invitation_new", "audiences:invitation_accept"} <= names


@pytest.mark.parametrize(("name", "path"), OWNED_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in_except_on_public_pages(client, name, path):
    response = client.get(path)

    sent_to_sign_in = response.status_code == 302 and response.url.startswith(reverse("login") + "?next=")
    assert sent_to_sign_in is (name not in PUBLIC), (name, path, response.status_code)


@pytest.mark.parametrize("name", ["accessibility", "privacy"])
def test_public_statements_open_without_signing_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert "Sign out" not in response.text


def test_accessibility_statement_names_the_standard_and_how_to_report(client, settings):
    page = client.get(reverse("accessibility")).text

    assert "WCAG" in page and "2.2" in page and "level AA" in page
    assert f"mailto:{settings.SUPPORT_EMAIL}" in page


def test_home_sends_a_reviewer_to_their_reviews(client):
    client.force_login(make_reviewer())

    assert client.get(reverse("home")).url == reverse("reviews:my_reviews")


def test_home_lists_an_admins_pages(client):
    client.force_login(make_user(is_superuser=True, is_staff=True))

    page = client.get(reverse("home")).text

    assert "<title>Your pages \N{EN DASH} BOLD use case review</title>" in page
    assert f'href="{reverse("audiences:invitation_new")}"' in page
    assert f'href="{reverse("manage_home")}"' in page


def test_home_for_an_analyst_offers_no_reviewer_or_admin_pages(client):
    analyst = make_user()
    analyst.groups.add(Group.objects.get(name=roles.ANALYSTS))
    client.force_login(analyst)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.text
    assert "Your pages" in page
    assert reverse("reviews:my_reviews") not in page
    assert reverse("audiences:invitation_new") not in page
    assert reverse("manage_home") not in page


def test_navigation_shows_a_lead_the_invitation_page_and_a_sign_out_button(client):
    client.force_login(make_reviewer(role=Membership.Role.LEAD))

    page = client.get(reverse("audiences:invitation_new")).text

    assert 'aria-current="page"' in page
    assert f'<form method="post" action="{reverse("logout")}"' in page


def test_the_role_checks_of_a_request_share_one_read_of_the_persons_memberships(django_assert_num_queries):
    lead, reviewer, analyst = make_reviewer(role=Membership.Role.LEAD), make_reviewer(), make_user()

    with django_assert_num_queries(1):
        assert roles.is_organisation_lead(lead) and roles.is_reviewer(lead)
    with django_assert_num_queries(1):
        assert roles.is_reviewer(reviewer) and not roles.is_organisation_lead(reviewer)
    with django_assert_num_queries(1):
        assert not roles.is_reviewer(analyst) and not roles.is_organisation_lead(analyst)


def test_every_page_has_the_portals_own_favicon(client):
    """Not GOV.UK's crown (for gov.uk services only): the portal's icon, linked from every page
    and answered at /favicon.ico, which browsers ask for anyway, without signing in."""
    page = client.get(reverse("accessibility")).content.decode()
    assert 'rel="icon" href="/static/portal/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response).startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert "max-age=86400" in response["Cache-Control"]


def test_page_not_found(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "<title>Page not found \N{EN DASH} BOLD use case review</title>" in response.text


def test_server_error_page_needs_no_database_or_context():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service \N{EN DASH} BOLD use case review" in response.text


def test_expired_form_explains_itself(client):
    make_user(email="sam@example.org")
    client.handler.enforce_csrf_checks = True

    response = client.post(reverse("login"), {"username": "sam@example.org", "password": "x"})

    assert response.status_code == 403
    assert "Sorry, there is a problem with this form" in response.text
