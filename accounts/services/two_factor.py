"""Two-factor sign-in's changes: turning it on, new recovery codes, and an admin's reset (see
accounts/two_factor.py and docs/sign-in-security.md)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import recovery_codes, two_factor
from accounts.models import RecoveryCode, RecoveryCodeDevice
from accounts.signals import access_withdrawn
from bold_portal.models import audit
from bold_portal.roles import is_admin


def _recovery_codes_replace(user) -> list[str]:
    """A fresh set of recovery codes for user (the old ones stop working). Only their hashes are
    kept; they are returned as typed, to be shown once and never again."""
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, name=two_factor.RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = [recovery_codes.new_code() for _ in range(two_factor.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode.hashed(code, device=device) for code in codes)
    return codes


def two_factor_enable(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn on two-factor sign-in for user with the authenticator app that holds key, once code
    (the app's first) proves it does. Replaces any app set up before. Returns the app's device,
    for the view to mark the session verified, and the new recovery codes."""
    if not two_factor.code_is_right_for_key(key, code):
        raise ValidationError({"code": _("The code is not right. Enter the 6-digit code your app shows now.")})
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user).delete()[0]
        device = TOTPDevice(user=user, name=two_factor.APP_DEVICE_NAME, key=key, confirmed=True)
        device.full_clean()
        device.save()
        codes = _recovery_codes_replace(user)
        if replaced:
            audit(actor=user, action="sign_in_settings_changed", obj=user, change="authenticator app replaced")
        else:
            audit(actor=user, action="two_factor_enabled", obj=user)
        audit(actor=user, action="recovery_codes_generated", obj=user, count=len(codes))
    return device, codes


def recovery_codes_regenerate(*, user) -> list[str]:
    """New recovery codes for someone who has two-factor sign-in; the old ones stop working."""
    if two_factor.app_device(user) is None:
        raise ValidationError(_("Set up two-factor sign-in before you make recovery codes."))
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit(actor=user, action="recovery_codes_generated", obj=user, count=len(codes))
    return codes


def two_factor_reset(*, user, actor) -> None:
    """An admin turns off someone's two-factor sign-in (a lost phone and lost recovery codes): their
    app and recovery codes stop working, their API tokens are revoked (access_withdrawn: whoever
    has the phone may have the tokens too), and they set up a new app when they next sign in.
    Nobody resets their own, which would skip the second step."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only programme admins can reset two-factor sign-in."))
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot reset your own two-factor sign-in. Ask another admin."))
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).delete()[0] + RecoveryCodeDevice.objects.filter(user=user).delete()[0]
        )
        if removed:
            audit(actor=actor, action="two_factor_disabled", obj=user, reason="reset by an admin")
        access_withdrawn.send(sender=two_factor_reset, user=user, actor=actor, reason="two_factor_reset")
