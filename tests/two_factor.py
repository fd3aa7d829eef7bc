"""Signing in test clients with or without the two-factor step (see accounts/two_factor.py)."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest
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
    """Client.force_login, with what passing the code step leaves in the session for a person who
    must pass it, in one save of the session. A client with no session yet starts from an empty
    one, as a browser's first sign-in does, instead of saving an empty session first (which
    Client.session does) for the sign-in to replace."""
    # A fresh copy: the role check caches the person's groups on the object it is given.
    device = app_device_for(user) if two_factor.two_factor_required(get_user_model().objects.get(pk=user.pk)) else None
    backend = backend or client._get_backend()
    user.backend = backend
    request = HttpRequest()
    has_session = settings.SESSION_COOKIE_NAME in client.cookies
    request.session = client.session if has_session else import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend)
    if device:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.session.save()
    client._set_login_cookies(request)
