"""Two-factor sign-in for analysts and programme admins: setting up an app, the code step after the
password, recovery codes, the lockout on wrong codes, an admin's reset, and enforcement on every page."""

import re
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.regex_helper import normalize
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import RecoveryCode, RecoveryCodeDevice
from accounts.services import two_factor as services
from bold_portal import roles
from bold_portal.models import AuditEvent
from tests.database import tables_containing
from tests.factories import make_reviewer, make_user
from tests.pages import main_content
from tests.two_factor import app_device_for, force_login_password_only

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _analyst(**extra):
    user = make_user(password=PASSWORD, **extra)
    user.groups.add(Group.objects.get(name=roles.ANALYSTS))
    return user


def _admin():
    user = make_user(password=PASSWORD)
    user.groups.add(Group.objects.get(name=roles.ADMINS))
    return user


def _actions(user) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(user.pk)).order_by("pk").values_list("action", flat=True))


def _sign_in(client, user, address="192.0.2.1"):
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 302
    return response


def _code_for_secret(page_text: str) -> str:
    """What an authenticator app shows for the key printed on the set-up page."""
    key = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', page_text).group(1).replace(" ", "")
    return f"{TOTP(b32decode(key)).token():06d}"


def _verify(client, code, address="192.0.2.1", **query):
    return client.post(
        reverse("accounts:two_factor_verify") + (f"?next={query['next']}" if query else ""),
        {"code": code},
        REMOTE_ADDR=address,
    )


# --- Setting up ---------------------------------------------------------------------------------


def test_signing_in_without_an_app_leads_to_setting_one_up_with_a_qr_code_and_the_key_as_text(client):
    analyst = _analyst()
    _sign_in(client, analyst)

    sent = client.get(reverse("home"))
    assert sent.status_code == 302 and sent.url.startswith(reverse("accounts:two_factor_setup") + "?next=")
    page = client.get(sent.url)

    assert page.status_code == 200
    content = main_content(page)
    assert '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200"' in content and 'role="img"' in content
    assert "<script" not in content and " style=" not in content
    assert re.search(r'id="two-factor-key">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<', content), "base32 key in groups of four"
    assert not TOTPDevice.objects.exists(), "nothing is saved until the first code proves the app has the key"


def _codes_shown(page) -> list[str]:
    shown = re.findall(r'<li class="govuk-!-font-weight-bold">([0-9a-f]{5}) ([0-9a-f]{5})</li>', page.text)
    return [first + second for first, second in shown]


def _continue_link(page) -> str:
    return re.search(r'<a href="([^"]*)" role="button"[^>]*>\s*I have saved my recovery codes', page.text).group(1)


def _codes_kept(user) -> list[RecoveryCode]:
    return list(RecoveryCode.objects.filter(device__user=user))


def test_the_first_right_code_turns_two_factor_on_and_shows_the_recovery_codes_once(client):
    analyst = _analyst()
    _sign_in(client, analyst)
    page = client.get(reverse("accounts:two_factor_setup") + "?next=/manage/")

    wrong = client.post(reverse("accounts:two_factor_setup") + "?next=/manage/", {"code": "000000"})
    assert wrong.status_code == 200 and "The code is not right" in wrong.text
    assert not TOTPDevice.objects.exists()
    done = client.post(reverse("accounts:two_factor_setup") + "?next=/manage/", {"code": _code_for_secret(page.text)})

    # The codes are the answer to the form that made them: nothing in clear waits anywhere for a
    # page that shows them later, and the session holds none.
    assert done.status_code == 200 and "Save your recovery codes" in done.text
    device = TOTPDevice.objects.get(user=analyst)
    assert device.confirmed
    codes = _codes_shown(done)
    assert len(set(codes)) == 10
    kept = _codes_kept(analyst)
    assert len(kept) == 10 and all(any(code.matches(shown) for code in kept) for shown in codes)
    assert not [code for code in codes if tables_containing(code)], "no code is stored in clear, sessions included"
    assert 'download="bold-recovery-codes.txt"' in done.text
    assert _continue_link(done) == "/manage/"
    settings_page = client.get(reverse("accounts:two_factor_settings"))
    assert "10 codes left" in settings_page.text and not [code for code in codes if code[:5] in settings_page.text]
    assert _actions(analyst) == ["two_factor_enabled", "recovery_codes_generated"]
    assert client.get(reverse("home")).status_code == 200, "this session passed the second step"


def test_someone_with_an_app_cannot_skip_the_code_step_by_setting_up_another(client):
    analyst = _analyst()
    app_device_for(analyst)
    force_login_password_only(client, analyst)

    response = client.get(reverse("accounts:two_factor_setup"))
    posted = client.post(reverse("accounts:two_factor_setup"), {"code": "123456"})

    assert response.url == reverse("accounts:two_factor_verify")
    assert posted.status_code == 302 and TOTPDevice.objects.count() == 1


def test_replacing_the_app_is_recorded_as_a_change_of_sign_in_settings(client):
    analyst = _analyst()
    old = app_device_for(analyst)
    client.force_login(analyst)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert "Set up a different authenticator app" in page.text

    client.post(reverse("accounts:two_factor_setup"), {"code": _code_for_secret(page.text)})

    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.filter(user=analyst).count() == 1
    assert _actions(analyst) == ["sign_in_settings_changed", "recovery_codes_generated"]


def test_a_reviewer_is_not_asked_for_two_factor_and_has_no_set_up_page(client):
    reviewer = make_reviewer(password=PASSWORD)
    _sign_in(client, reviewer)

    assert client.get(reverse("reviews:my_reviews")).status_code == 200
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 404
    assert client.get(reverse("accounts:two_factor_settings")).status_code == 404


# --- The code step at sign-in -------------------------------------------------------------------


def test_after_the_password_the_right_code_opens_the_page_asked_for(client):
    admin = _admin()
    device = app_device_for(admin)
    client.get(reverse("audiences:manage_people"))  # anonymous: sent to sign in
    response = client.post(reverse("login") + "?next=/manage/people/", {"username": admin.email, "password": PASSWORD})
    step = client.get(response.url)
    assert step.status_code == 302
    assert step.url == reverse("accounts:two_factor_verify") + "?next=/manage/people/"
    form = client.get(step.url)
    assert "Enter the code from your authenticator app" in form.text
    assert 'autocomplete="one-time-code"' in form.text

    done = _verify(client, two_factor.code_for_now(device), next="/manage/people/")

    assert done.url == "/manage/people/"
    assert client.get("/manage/people/").status_code == 200


@pytest.mark.parametrize("wanted", ["people", "/manage/\x00", "https://example.org/"], ids=["word", "nul", "elsewhere"])
def test_a_next_address_that_is_not_a_page_here_leads_home(client, wanted):
    analyst = _analyst()
    device = app_device_for(analyst)
    force_login_password_only(client, analyst)

    done = _verify(client, two_factor.code_for_now(device), next=wanted)
    again = client.get(reverse("accounts:two_factor_verify"), {"next": wanted})

    assert done.status_code == 302 and done.url == reverse("home")
    assert again.status_code == 302 and again.url == reverse("home")


def test_a_code_works_only_once(client):
    analyst = _analyst()
    device = app_device_for(analyst)
    code = two_factor.code_for_now(device)
    force_login_password_only(client, analyst)
    assert _verify(client, code).status_code == 302

    other = type(client)()
    force_login_password_only(other, analyst)
    assert _verify(other, code).status_code == 200


@pytest.mark.parametrize("bad", ["", "12345", "abcdef", "1234567"])
def test_a_malformed_code_says_what_a_code_looks_like_and_is_not_counted(client, bad):
    analyst = _analyst()
    app_device_for(analyst)
    force_login_password_only(client, analyst)

    response = _verify(client, bad)

    assert response.status_code == 200
    assert "6-digit code" in response.text or "must be 6 digits" in response.text
    assert not AccessAttempt.objects.exists()


def test_repeated_wrong_codes_lock_the_person_out_like_wrong_passwords(client):
    analyst = _analyst()
    device = app_device_for(analyst)
    _sign_in(client, analyst)

    for attempt in range(1, 5):
        response = _verify(client, "000000")
        assert response.status_code == 200, attempt
    locked = _verify(client, "000000")

    assert locked.status_code == 429
    assert "You need to wait before you try to sign in again" in locked.text
    assert "_auth_user_id" not in client.session, "signed out"
    assert AccessAttempt.objects.get().failures_since_start == 5
    # Even the right password and then the right code cannot get in now.
    refused = client.post(reverse("login"), {"username": analyst.email, "password": PASSWORD}, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_a_wrong_code_makes_the_next_wait_and_that_survives_a_new_password_sign_in(client):
    analyst = _analyst()
    device = app_device_for(analyst)
    _sign_in(client, analyst)
    assert "The code is not right" in _verify(client, "000000").text
    too_soon = _verify(client, two_factor.code_for_now(device))

    assert "Wait until" in too_soon.text
    device.refresh_from_db()
    assert device.throttling_failure_count == 1, "a code sent while waiting is not checked"
    client.post(reverse("logout"))
    _sign_in(client, analyst)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


# --- Recovery codes -----------------------------------------------------------------------------


def _with_recovery_codes(user) -> list[str]:
    app_device_for(user)
    return services.recovery_codes_regenerate(user=user)


def test_a_recovery_code_passes_the_code_step_once(client):
    analyst = _analyst()
    codes = _with_recovery_codes(analyst)
    force_login_password_only(client, analyst)
    page = client.get(reverse("accounts:two_factor_recovery"))
    assert "Use a recovery code" in page.text

    used = client.post(reverse("accounts:two_factor_recovery"), {"code": f"{codes[0][:5]}-{codes[0][5:].upper()}"})

    assert used.status_code == 302
    home = client.get(used.url)
    assert home.status_code == 200 and "You have 9 recovery codes left" in home.text
    assert len(_codes_kept(analyst)) == 9
    again = type(client)()
    force_login_password_only(again, analyst)
    reused = again.post(reverse("accounts:two_factor_recovery"), {"code": codes[0]})
    assert reused.status_code == 200 and "has been used" in reused.text


def test_recovery_codes_are_kept_only_as_keyed_salted_hashes():
    analyst = _analyst()
    codes = _with_recovery_codes(analyst)

    kept = _codes_kept(analyst)

    assert not [code for code in codes if tables_containing(code)]
    assert len({code.salt for code in kept}) == 10, "each code has its own salt"
    assert all(len(code.code_hash) == 64 for code in kept)
    with override_settings(SECRET_KEY="another-key"):
        assert not any(code.matches(codes[0]) for code in kept), "the hash is keyed with the SECRET_KEY"


def test_codes_made_before_the_secret_key_is_rotated_work_while_the_old_key_is_a_fallback(client, settings):
    analyst = _analyst()
    codes = _with_recovery_codes(analyst)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "the-new-key", [old_key]
    force_login_password_only(client, analyst)

    used = client.post(reverse("accounts:two_factor_recovery"), {"code": codes[0]})

    assert used.status_code == 302 and len(_codes_kept(analyst)) == 9


def test_a_wrong_recovery_code_makes_the_next_wait(client):
    analyst = _analyst()
    codes = _with_recovery_codes(analyst)
    force_login_password_only(client, analyst)

    wrong = client.post(reverse("accounts:two_factor_recovery"), {"code": "00000 00000"}, REMOTE_ADDR="192.0.2.1")
    right_too_soon = client.post(reverse("accounts:two_factor_recovery"), {"code": codes[0]}, REMOTE_ADDR="192.0.2.1")

    assert "is not right or has been used" in wrong.text
    assert right_too_soon.status_code == 200 and "You entered a wrong code just before" in right_too_soon.text
    assert len(_codes_kept(analyst)) == 10, "the code was not even checked, so it is not used up"


def test_making_new_recovery_codes_retires_the_old_ones(client):
    analyst = _analyst()
    old = _with_recovery_codes(analyst)
    client.force_login(analyst)
    settings_page = client.get(reverse("accounts:two_factor_settings"))
    assert "10 codes left" in settings_page.text

    response = client.post(reverse("accounts:two_factor_recovery_codes_new"))

    assert response.status_code == 200
    new, kept = _codes_shown(response), _codes_kept(analyst)
    assert len(new) == 10 and len(kept) == 10 and not set(new) & set(old)
    assert all(any(code.matches(shown) for code in kept) for shown in new)
    assert not any(code.matches(retired) for code in kept for retired in old)
    assert _actions(analyst) == ["recovery_codes_generated", "recovery_codes_generated"]
    assert _continue_link(response) == reverse("accounts:two_factor_settings")


def test_recovery_codes_need_an_app_first():
    with pytest.raises(services.ValidationError):
        services.recovery_codes_regenerate(user=_analyst())
    assert not RecoveryCodeDevice.objects.exists()


# --- An admin's reset ---------------------------------------------------------------------------


def test_an_admin_resets_someones_two_factor_and_they_set_up_a_new_app(client):
    admin, analyst = _admin(), _analyst()
    _with_recovery_codes(analyst)
    analyst_client = type(client)()
    analyst_client.force_login(analyst)
    client.force_login(admin)
    person_page = client.get(reverse("audiences:manage_person", args=[analyst.pk]))
    assert "Reset two-factor sign-in" in person_page.text

    response = client.post(reverse("audiences:manage_person_two_factor", args=[analyst.pk]))

    assert response.url == reverse("audiences:manage_person", args=[analyst.pk])
    assert not TOTPDevice.objects.filter(user=analyst).exists()
    assert not RecoveryCodeDevice.objects.filter(user=analyst).exists() and not RecoveryCode.objects.exists()
    event = AuditEvent.objects.get(action="two_factor_disabled")
    assert event.actor == admin and event.object_id == str(analyst.pk)
    sent = analyst_client.get(reverse("home"))
    assert sent.url.startswith(reverse("accounts:two_factor_setup")), "their session is no longer verified"


def test_only_an_admin_resets_and_never_their_own(client):
    admin, analyst = _admin(), _analyst()
    app_device_for(admin)
    app_device_for(analyst)

    client.force_login(analyst)
    assert client.post(reverse("audiences:manage_person_two_factor", args=[admin.pk])).status_code == 404
    with pytest.raises(services.PermissionDenied):
        services.two_factor_reset(user=admin, actor=analyst)
    with pytest.raises(services.ValidationError):
        services.two_factor_reset(user=admin, actor=admin)
    assert TOTPDevice.objects.count() == 2
    assert not AuditEvent.objects.filter(action="two_factor_disabled").exists()


# --- Enforcement on every page ------------------------------------------------------------------

# The pages a signed-in analyst or admin may open before the code step: public pages, the
# two-factor steps themselves and signing out. Everything else sends them to the code step.
OPEN_BEFORE_THE_CODE = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "accessibility",
    "privacy",
    "health_check",
    "favicon",
    "audiences:invitation_accept",
    # Public (its token is its key); a link never opens for staff (docs/sign-in-security.md).
    "reviews:review_link",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "accounts:two_factor_recovery",
    "admin:login",
    # The public register (docs/register.md): public, so open as to anyone.
    "register:list",
    "register:feed",
    "register:entry",
}
SAMPLE = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def _every_page(resolver=None, prefix="", namespace=""):
    """(name, an example path) for every URL pattern, the Django admin's included."""
    for pattern in (resolver or get_resolver()).url_patterns:
        route = _example(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _every_page(pattern, prefix + route, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.lookup_str}", "/" + prefix + route


def _example(pattern) -> str:
    """The pattern with a sample value for each argument (the first choice of a regex alternation)."""
    [(template, params)] = normalize(pattern.regex.pattern)[:1]
    values = {}
    for name in params:
        converter = getattr(pattern, "converters", {}).get(name)
        kind = type(converter).__name__.replace("Converter", "").lower() if converter else "str"
        values[name] = SAMPLE.get(kind, "x")
    alternation = re.search(r"\(\?P<(\w+)>([\w-]+)\|", pattern.regex.pattern)
    if alternation:
        values[alternation.group(1)] = alternation.group(2)
    return template % values


@pytest.mark.slow  # a walk over every URL, GET and POST: about 4 CPU-seconds
@pytest.mark.parametrize("make", [_analyst, _admin, lambda: make_user(is_superuser=True, is_staff=True)])
def test_no_page_but_the_two_factor_steps_and_public_ones_opens_before_the_code_step(client, make):
    user = make()
    app_device_for(user)
    force_login_password_only(client, user)
    pages = list(_every_page())
    assert len(pages) > 60 and any(name.startswith("admin:") for name, _path in pages)

    reachable = set()
    for name, path in pages:
        if name == "logout":
            continue  # open before the code step (test_signing_out_needs_no_code), and it would end the session
        for method in (client.get, client.post):
            response = method(path)
            redirected_to_code = response.status_code == 302 and response.url.startswith(
                reverse("accounts:two_factor_verify") + "?next="
            )
            # The API has no sign-in page to send anyone to: it treats the session as no sign-in.
            refused_by_the_api = name.startswith("api:") and response.status_code == 401
            if not (redirected_to_code or refused_by_the_api):
                reachable.add(name)

    assert reachable <= OPEN_BEFORE_THE_CODE, sorted(reachable - OPEN_BEFORE_THE_CODE)
    assert "_auth_user_id" in client.session


def test_signing_out_needs_no_code(client):
    analyst = _analyst()
    force_login_password_only(client, analyst)

    response = client.post(reverse("logout"))

    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.slow  # a walk over every URL: about 1 CPU-second; the test of the set-up page above stays in the loop
def test_a_reviewer_is_never_sent_to_the_code_step(client):
    reviewer = make_reviewer()
    force_login_password_only(client, reviewer)

    for name, path in _every_page():
        if name.startswith("accounts:two_factor_"):
            continue  # the two-factor pages themselves send a reviewer home or answer 404
        response = client.get(path)
        assert not (response.status_code == 302 and "/account/two-factor/" in response.url), path
