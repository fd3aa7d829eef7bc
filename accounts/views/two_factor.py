"""Two-factor sign-in pages: setting up an authenticator app, the code step after the password,
recovery codes, and the person's own sign-in security page. See docs/sign-in-security.md."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import two_factor
from accounts.forms import RecoveryCodeForm, TwoFactorCodeForm
from accounts.services.two_factor import recovery_codes_regenerate, two_factor_enable
from accounts.views.sign_in import sign_in_locked_out
from bold_portal.redirects import is_page_here

SETUP_KEY = "two_factor_setup_key"


def _next_url(request, default="home") -> str:
    """Where to go after the step: the page the person asked for, if it is a page here."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return wanted if is_page_here(request, wanted) else default


def _keeping_query(request, name: str):
    """A redirect to another step that keeps ?next= (where the person was going)."""
    query = request.GET.urlencode()
    return redirect(reverse(name) + (f"?{query}" if query else ""))


def _verified(request, device) -> None:
    """The second step is passed: a new session key (as at any sign-in), then the device on it."""
    request.session.cycle_key()
    otp_login(request, device)


def _show_recovery_codes(request, codes: list[str], *, then: str):
    """The new recovery codes, as the answer to the form that made them: they are kept nowhere in
    clear (not in the session either), so this page is the only time they are shown. then: where
    the person goes once they have saved them."""
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {
            "codes": [f"{code[:5]} {code[5:]}" for code in codes],
            "download": "\r\n".join(codes) + "\r\n",
            "then": resolve_url(then),
        },
    )


@two_factor.two_factor_not_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Set up an authenticator app: scan the QR code (or type the secret shown beside it), then
    enter the first code. Someone with an app who has not passed the code step is sent to it:
    setting up a new app is no way round it."""
    user = request.user
    device = two_factor.app_device(user)
    if device is not None and not user.is_verified():
        return _keeping_query(request, "accounts:two_factor_verify")
    if device is None and not two_factor.two_factor_required(user):
        raise Http404
    key = request.session.get(SETUP_KEY) or two_factor.new_secret()
    request.session[SETUP_KEY] = key
    form = TwoFactorCodeForm(request.POST or None, submit_label=_("Turn on two-factor sign-in"))
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor_enable(user=user, key=key, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            del request.session[SETUP_KEY]
            _verified(request, device)
            messages.success(request, _("Two-factor sign-in is on."))
            return _show_recovery_codes(request, codes, then=_next_url(request))
    return render(
        request,
        "accounts/two_factor/setup.html",
        {
            "form": form,
            "replacing": device is not None,
            "qr_code": two_factor.qr_code_svg(
                two_factor.setup_url(user, key), label=_("QR code to scan with your authenticator app")
            ),
            "secret": two_factor.secret_for_people(key),
            "next": _next_url(request, default=""),
        },
    )


def _code_step(request, *, device, form, template: str, context: dict):
    """The code step after the password, with the app's code or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if request.method == "POST" and form.is_valid():
        checked = two_factor.code_check(request, device=device, code=form.cleaned_data["code"])
        if checked.device is not None:
            _verified(request, checked.device)
            return None
        if checked.locked_out:
            credentials = two_factor.sign_in_credentials(request.user)
            logout(request)
            return sign_in_locked_out(request, credentials=credentials)
        if checked.wait_until is not None:
            form.add_error(
                "code",
                _("You entered a wrong code just before. Wait until %(time)s, then enter the code your app shows.")
                % {"time": timezone.localtime(checked.wait_until).strftime("%H:%M:%S")},
            )
        else:
            form.add_error("code", context["wrong_code"])
    return render(request, template, {"form": form, "next": _next_url(request, default=""), **context})


@two_factor.two_factor_not_required
@require_http_methods(["GET", "POST"])
def verify(request):
    device = two_factor.app_device(request.user)
    if device is None:
        if not two_factor.two_factor_required(request.user):
            return redirect("home")
        return _keeping_query(request, "accounts:two_factor_setup")
    form = TwoFactorCodeForm(request.POST or None, submit_label=_("Continue"))
    response = _code_step(
        request,
        device=device,
        form=form,
        template="accounts/two_factor/verify.html",
        context={"wrong_code": _("The code is not right. Enter the 6-digit code your app shows now.")},
    )
    return response or redirect(_next_url(request))


@two_factor.two_factor_not_required
@require_http_methods(["GET", "POST"])
def recovery(request):
    """Sign in with a recovery code instead of the app's code; each works once."""
    device = two_factor.recovery_device(request.user)
    if device is None or two_factor.app_device(request.user) is None:
        return redirect("accounts:two_factor_verify")
    form = RecoveryCodeForm(request.POST or None)
    response = _code_step(
        request,
        device=device,
        form=form,
        template="accounts/two_factor/recovery.html",
        context={"wrong_code": _("This recovery code is not right or has been used. Check it, or use another.")},
    )
    if response is not None:
        return response
    left = two_factor.recovery_codes_left(request.user)
    messages.warning(
        request,
        _("You have %(count)d recovery codes left. Make new ones on your sign-in security page.") % {"count": left},
    )
    return redirect(_next_url(request))


def _settings_device(user):
    device = two_factor.app_device(user)
    if device is None and not two_factor.two_factor_required(user):
        raise Http404
    return device


def security(request):
    """The person's own sign-in security: their app, their recovery codes, making new ones."""
    device = _settings_device(request.user)
    return render(
        request,
        "accounts/two_factor/settings.html",
        {"device": device, "codes_left": two_factor.recovery_codes_left(request.user)},
    )


@require_POST
def recovery_codes_new(request):
    _settings_device(request.user)
    try:
        codes = recovery_codes_regenerate(user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:two_factor_settings")
    return _show_recovery_codes(request, codes, then="accounts:two_factor_settings")
