"""Two-factor sign-in (django-otp): who needs it, their devices, and checking a code.

An authenticator app (a TOTP device) gives the code at each sign-in; ten recovery codes (the
portal's own RecoveryCodeDevice, each code usable once and kept only as a hash) stand in when the
app is lost. Changes go through accounts/services/two_factor.py.
"""

import base64
import secrets
from binascii import unhexlify
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from urllib.parse import quote, urlencode

import qrcode
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils import timezone
from django.utils.html import format_html
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCodeDevice
from bold_portal.roles import is_analyst

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def two_factor_required(user) -> bool:
    """Analysts and programme admins (superusers among them) see every use case's results and
    people's details: a password alone is not enough for them."""
    return user.is_authenticated and is_analyst(user)


def two_factor_not_required(view):
    """Marks a view that a signed-in person may open before the second step (the two-factor pages
    themselves and signing out), as django's login_not_required marks public ones."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    wrapped.two_factor_required = False
    return wrapped


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_device(user) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    device = recovery_device(user)
    return device.codes.count() if device else 0


def new_secret() -> str:
    """A TOTP secret as django-otp stores it: 20 random bytes, hex-encoded."""
    return secrets.token_hex(20)


def secret_for_people(key: str) -> str:
    """The secret as authenticator apps ask for it when typed in: base32, in groups of four."""
    text = base64.b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def setup_url(user, key: str) -> str:
    """The otpauth:// address the QR code holds (the format authenticator apps read)."""
    issuer = settings.OTP_TOTP_ISSUER
    label = quote(f"{issuer}:{user.email}")
    query = urlencode({"secret": base64.b32encode(unhexlify(key)).decode(), "issuer": issuer, "digits": 6})
    return f"otpauth://totp/{label}?{query}"


def qr_code_svg(data: str, *, label: str) -> str:
    """The QR code as inline SVG, drawn on the server: no script and no style attribute, so the
    Content Security Policy holds and the page works without JavaScript. Dark squares on a white
    square of their own, so that it scans when the page is shown in dark colours."""
    code = qrcode.QRCode(border=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    squares = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 {size} {size}" role="img" '
        'aria-label="{label}" focusable="false" shape-rendering="crispEdges">'
        '<rect width="{size}" height="{size}" fill="#ffffff"/><path d="{squares}" fill="#0b0c0c"/></svg>',
        size=len(matrix),
        label=label,
        squares=squares,
    )


def code_is_right_for_key(key: str, code: str) -> bool:
    """For setting up: the first code from the app, checked against a secret not yet saved."""
    try:
        return TOTP(unhexlify(key)).verify(int(code), tolerance=1)
    except ValueError:
        return False


def code_for_now(device: TOTPDevice) -> str:
    """The code the person's app shows now (for tests and the demo): a step after the last one
    used, since each code works once."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    if totp.t() <= device.last_t:
        totp.time = (device.last_t + 1) * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking one code: the device that accepted it, or why it was refused
    (locked out of signing in, or too soon after a wrong code: wait_until says when to retry)."""

    device: object = None
    locked_out: bool = False
    wait_until: datetime | None = None


def sign_in_credentials(user) -> dict:
    return {"username": user.email}


def code_check(request, *, device, code: str) -> CodeCheck:
    """Check a code against one of the signed-in person's devices. A refused code counts as a
    failed sign-in for django-axes (the same lockout as wrong passwords) and, on the device,
    doubles the wait before the next code is checked; that count lasts until a right code."""
    credentials = sign_in_credentials(request.user)
    if AxesProxyHandler.is_locked(request, credentials):
        return CodeCheck(locked_out=True)
    allowed, throttle = device.verify_is_allowed()
    if allowed and verify_token(request.user, device.persistent_id, code):
        return CodeCheck(device)
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        return CodeCheck(locked_out=True)
    return CodeCheck(wait_until=None if allowed else throttle.get("locked_until"))
