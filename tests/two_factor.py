"""Signing in test clients with or without the two-factor step (see accounts/two_factor.py)."""

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor

force_login_password_only = Client.force_login


def app_device_for(user) -> TOTPDevice:
    """The person's authenticator app, set up if they have none."""
    return two_factor.app_device(user) or TOTPDevice.objects.create(
        user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True
    )


def mark_verified(client: Client, user) -> None:
    """What passing the code step leaves in the session (as django-otp's own login() does)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = app_device_for(user).persistent_id
    session.save()


def force_login_past_two_factor(client: Client, user, backend=None) -> None:
    force_login_password_only(client, user, backend)
    # A fresh copy: the role check caches the person's groups on the object it is given.
    if two_factor.two_factor_required(get_user_model().objects.get(pk=user.pk)):
        mark_verified(client, user)
