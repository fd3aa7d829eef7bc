"""API tokens: made on a page by a signed-in analyst (the key shown once, only its hash kept),
listed, revoked, audited; refused (401) when unknown, expired, revoked, or when the owner is
switched off or no longer an analyst; revoked for good when an admin resets the owner's two-factor
sign-in, switches them off, takes away their analyst or admin role, or erases them. The pages are
for analysts and admins only."""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import Group
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import RecoveryCodeDevice
from accounts.services.access import account_active_set, account_staff_roles_set
from accounts.services.personal_data import account_erase
from accounts.services.two_factor import recovery_codes_regenerate, two_factor_reset
from bold_portal.models import AuditEvent
from bold_portal.roles import ANALYSTS
from matrix.models import ApiToken
from matrix.services.tokens import TokenNotAllowed, api_token_create, api_token_revoke
from tests.factories import make_admin, make_analyst, make_author, make_user
from tests.matrix.analyst_support import make_lead
from tests.matrix.api_support import bearer_client, token_for
from tests.pages import main_content
from tests.two_factor import app_device_for

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/rounds/"


@pytest.fixture
def analyst(db):
    return make_analyst()


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def create(client, **data):
    """Post the form and follow its redirect to the page that shows the key."""
    return client.post(reverse("matrix:api_token_new"), {"name": "R notebook", "days": "30", **data}, follow=True)


def test_a_token_is_made_on_the_page_and_its_key_shown_once(analyst_client, analyst):
    response = create(analyst_client)

    assert response.status_code == 200
    token = ApiToken.objects.get(owner=analyst)
    page = main_content(response)
    key = page.split('value="')[1].split('"')[0]
    assert key.startswith(token.prefix + "_") and len(key) > 50
    assert f"Authorization: Bearer {key}" in page
    # Only the hash is kept: the key is in no column, and the list page never shows it.
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    listing = main_content(analyst_client.get(reverse("matrix:api_tokens")))
    assert token.prefix in listing and key not in listing and "R notebook" in listing
    assert (token.expires_at - token.created_at) == datetime.timedelta(days=30)
    # And the key works.
    assert bearer_client(key).get(ROUNDS).status_code == 200


def test_the_key_page_is_reached_by_a_redirect_and_a_reload_makes_no_second_token(analyst_client, analyst):
    """Post/Redirect/Get: the POST answers with a redirect; the page it leads to shows the key
    once, is never cached, and on a reload says the key was shown and makes nothing."""
    posted = analyst_client.post(reverse("matrix:api_token_new"), {"name": "R notebook", "days": "30"})
    token = ApiToken.objects.get(owner=analyst)
    assert posted.status_code == 302
    assert posted["Location"] == reverse("matrix:api_token_created", args=[token.pk])

    shown = analyst_client.get(posted["Location"])
    assert "data-api-token" in main_content(shown)
    assert "no-store" in shown["Cache-Control"]
    key = main_content(shown).split('value="')[1].split('"')[0]

    reloaded = main_content(analyst_client.get(posted["Location"]))
    assert "data-api-token" not in reloaded and key not in reloaded
    assert "was shown once" in reloaded
    assert ApiToken.objects.filter(owner=analyst).count() == 1
    assert key not in str(dict(analyst_client.session))  # the session's copy is gone
    # Someone else's token's page is not found.
    analyst_client.force_login(make_analyst())
    assert analyst_client.get(posted["Location"]).status_code == 404


def test_making_a_token_is_audited_without_the_key(analyst_client, analyst):
    create(analyst_client)
    token = ApiToken.objects.get(owner=analyst)

    event = AuditEvent.objects.get(action="api_token_created")

    assert event.actor == analyst and event.object_id == str(token.pk)
    assert event.after["prefix"] == token.prefix
    assert token.key_hash not in str(event.data)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": ""}, "name", "Enter a name for the token"),
        ({"name": "x" * 101}, "name", "The name must be 100 characters or fewer"),
        ({"days": "0"}, "days", "Enter a whole number of days from 1 to 90"),
        ({"days": "91"}, "days", "Enter a whole number of days from 1 to 90"),
        ({"days": "soon"}, "days", "Enter a whole number of days from 1 to 90"),
    ],
)
def test_bad_input_says_which_field_and_makes_nothing(analyst_client, data, field, message):
    response = create(analyst_client, **data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error:" in page
    assert f'href="#id_{field}"' in page and message in page
    assert not ApiToken.objects.exists()


@override_settings(API_TOKEN_MAX_DAYS=7)
def test_the_longest_life_is_a_setting(analyst_client, analyst):
    assert "Enter a whole number of days from 1 to 7" in create(analyst_client, days="8").content.decode()
    with pytest.raises(Exception, match="1 to 7 days"):
        api_token_create(owner=analyst, name="Long", days=8)


def test_only_analysts_and_admins_make_tokens(db):
    for person in (make_user(), make_author(), make_lead(), make_analyst(is_active=False)):
        with pytest.raises(TokenNotAllowed):
            api_token_create(owner=person, name="Mine", days=5)
    assert not ApiToken.objects.exists()


def test_revoking_on_the_page_stops_the_token_and_is_audited(analyst_client, analyst):
    key = token_for(analyst)
    token = ApiToken.objects.get()
    url = reverse("matrix:api_token_revoke", args=[token.pk])

    assert "Revoke the token" in analyst_client.get(url).content.decode()
    response = analyst_client.post(url)

    assert response.status_code == 302 and response["Location"] == reverse("matrix:api_tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer_client(key).get(ROUNDS).status_code == 401
    event = AuditEvent.objects.get(action="api_token_revoked")
    assert event.actor == analyst and event.before == {"revoked_at": None}
    listing = main_content(analyst_client.get(reverse("matrix:api_tokens")))
    assert "Revoked" in listing
    # Once revoked, there is nothing more to revoke.
    assert analyst_client.post(url).status_code == 404
    api_token_revoke(token=token, actor=analyst)
    assert AuditEvent.objects.filter(action="api_token_revoked").count() == 1


def test_nobody_revokes_or_sees_another_persons_token(analyst_client, db):
    token_for(make_analyst())
    token = ApiToken.objects.get()

    assert analyst_client.get(reverse("matrix:api_token_revoke", args=[token.pk])).status_code == 404
    assert analyst_client.post(reverse("matrix:api_token_revoke", args=[token.pk])).status_code == 404
    assert token.prefix not in analyst_client.get(reverse("matrix:api_tokens")).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused(analyst):
    key = token_for(analyst, days=1)
    client = bearer_client(key)
    assert client.get(ROUNDS).status_code == 200

    now = timezone.now()
    ApiToken.objects.update(created_at=now - datetime.timedelta(days=1), expires_at=now - datetime.timedelta(seconds=1))

    response = client.get(ROUNDS)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token is not valid, has expired or was revoked."}


def test_a_token_stops_when_its_owner_is_no_longer_an_analyst_or_is_switched_off(analyst):
    key = token_for(analyst)
    client = bearer_client(key)

    analyst.groups.remove(Group.objects.get(name=ANALYSTS))
    assert client.get(ROUNDS).status_code == 401

    analyst.groups.add(Group.objects.get(name=ANALYSTS))
    assert client.get(ROUNDS).status_code == 200
    analyst.is_active = False
    analyst.save()
    assert client.get(ROUNDS).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-token", "Bearer two words", "bearer bold_00000000_nothing"])
def test_unknown_or_malformed_tokens_are_refused(db, client, header):
    response = client.get(ROUNDS, headers={"Authorization": header})
    assert response.status_code == 401


def test_the_last_use_is_noted(analyst):
    key = token_for(analyst)
    assert ApiToken.objects.get().last_used_at is None

    bearer_client(key).get(ROUNDS)

    assert ApiToken.objects.get().last_used_at is not None


def test_the_token_pages_are_for_analysts_and_admins_only(client, analyst):
    token_for(analyst)
    token = ApiToken.objects.get()
    urls = [
        reverse("matrix:api_tokens"),
        reverse("matrix:api_token_new"),
        reverse("matrix:api_token_revoke", args=[token.pk]),
        reverse("api:docs"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    for person in (make_user(), make_author(), make_lead()):
        client.force_login(person)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert client.post(reverse("matrix:api_token_new"), {"name": "x", "days": "5"}).status_code == 404
    assert ApiToken.objects.count() == 1


def test_the_docs_page_runs_swagger_ui_from_static_files_under_the_policy(analyst_client):
    response = analyst_client.get(reverse("api:docs"))

    page = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy
    # Only this page lets Swagger UI's stylesheet draw its icons as data: images.
    assert "img-src 'self' data:" in policy
    assert "img-src" not in analyst_client.get(reverse("matrix:api_tokens"))["Content-Security-Policy"]
    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"></script>' in page
    assert '<script src="/static/js/api-docs.js"></script>' in page
    # Every inline script carries the nonce; there is no script from another origin.
    scripts = page.split("<script")[1:]
    assert all(" src=" in s.split(">")[0] or "nonce=" in s.split(">")[0] for s in scripts)
    assert "//cdn" not in page and "https://" not in "".join(s.split(">")[0] for s in scripts)


# --- Revoked when an admin takes access away (accounts.signals.access_withdrawn) ----------------

# How an admin takes access away, by service and by the portal's admin page that calls it: the
# service call, the page's POST (address and form), and how to give the access back, if it can be.
WITHDRAWALS = {
    "two_factor_reset": {
        "service": lambda person, admin: two_factor_reset(user=person, actor=admin),
        "page": lambda person: (reverse("audiences:manage_person_two_factor", args=[person.pk]), {}),
        "give_back": None,
    },
    "switched_off": {
        "service": lambda person, admin: account_active_set(user=person, is_active=False, actor=admin),
        "page": lambda person: (reverse("audiences:manage_person_active", args=[person.pk]), {}),
        "give_back": lambda person, admin: account_active_set(user=person, is_active=True, actor=admin),
    },
    "staff_role_removed": {
        "service": lambda person, admin: account_staff_roles_set(user=person, roles=["author"], actor=admin),
        "page": lambda person: (reverse("audiences:manage_person", args=[person.pk]), {"roles": ["author"]}),
        "give_back": lambda person, admin: account_staff_roles_set(
            user=person, roles=["analyst", "author"], actor=admin
        ),
    },
}


@pytest.mark.parametrize("through", ["service", "page"])
@pytest.mark.parametrize("reason", list(WITHDRAWALS))
def test_taking_access_away_revokes_the_persons_tokens_for_good(client, analyst, reason, through):
    admin = make_admin()
    app_device_for(analyst)
    key = token_for(analyst)
    assert bearer_client(key).get(ROUNDS).status_code == 200
    withdrawal = WITHDRAWALS[reason]

    if through == "service":
        withdrawal["service"](analyst, admin)
    else:
        client.force_login(admin)
        url, form = withdrawal["page"](analyst)
        assert client.post(url, form).status_code == 302

    assert bearer_client(key).get(ROUNDS).status_code == 401
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token_revoked")
    assert (event.actor, event.object_id, event.data["reason"]) == (admin, str(token.pk), reason)
    if withdrawal["give_back"]:
        withdrawal["give_back"](analyst, admin)
        assert bearer_client(key).get(ROUNDS).status_code == 401, "giving the access back does not revive the token"


def test_a_reset_revokes_the_tokens_along_with_the_devices_or_neither(analyst, monkeypatch):
    admin = make_admin()
    app_device_for(analyst)
    recovery_codes_regenerate(user=analyst)
    key = token_for(analyst)

    def audit_fails(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr("matrix.services.tokens.audit_many", audit_fails)
    with pytest.raises(RuntimeError):
        two_factor_reset(user=analyst, actor=admin)

    assert RecoveryCodeDevice.objects.filter(user=analyst).exists(), "the reset was undone with the revocation"
    assert bearer_client(key).get(ROUNDS).status_code == 200


def test_only_tokens_still_in_use_are_revoked_and_audited(analyst):
    admin = make_admin()
    live, revoked, expired = (token_for(analyst) for _ in range(3))
    api_token_revoke(token=ApiToken.objects.get(key_hash=hashlib.sha256(revoked.encode()).hexdigest()), actor=analyst)
    now = timezone.now()
    ApiToken.objects.filter(key_hash=hashlib.sha256(expired.encode()).hexdigest()).update(
        created_at=now - datetime.timedelta(days=2), expires_at=now - datetime.timedelta(days=1)
    )

    account_active_set(user=analyst, is_active=False, actor=admin)

    revocations = AuditEvent.objects.filter(action="api_token_revoked", actor=admin)
    assert [event.object_id for event in revocations] == [
        str(ApiToken.objects.get(key_hash=hashlib.sha256(live.encode()).hexdigest()).pk)
    ]


def test_a_role_change_that_keeps_analyst_keeps_the_tokens(analyst):
    key = token_for(analyst)

    account_staff_roles_set(user=analyst, roles=["analyst", "author"], actor=make_admin())

    assert bearer_client(key).get(ROUNDS).status_code == 200
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_moving_from_analyst_to_admin_revokes_the_tokens_made_as_analyst(analyst):
    key = token_for(analyst)

    account_staff_roles_set(user=analyst, roles=["admin"], actor=make_admin())

    assert bearer_client(key).get(ROUNDS).status_code == 401


def test_erasing_an_account_revokes_its_tokens(analyst):
    admin = make_admin()
    token_for(analyst)

    account_erase(user=analyst, actor=admin)

    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEvent.objects.get(action="api_token_revoked").data["reason"] == "erased"
