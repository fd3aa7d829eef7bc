"""A sign-in limited to part of the portal, such as a personal review link's (docs/sign-in-security.md).
accounts knows only that a session is limited: the app that starts one says what it may reach, and
the sign-in page treats its holder as not yet signed in, so that they can sign in in full."""

from django.contrib.auth import login

LIMITED_SIGN_IN_KEY = "limited_sign_in"


def limited_sign_in_start(request, user, *, scope: dict) -> None:
    """Sign user in for scope only (a small dict of ids, kept in the session)."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[LIMITED_SIGN_IN_KEY] = scope


def limited_sign_in_scope(request) -> dict | None:
    """The scope of this session's limited sign-in; None for a full sign-in or none."""
    if not request.user.is_authenticated:
        return None
    return request.session.get(LIMITED_SIGN_IN_KEY)


def limited_sign_in_end(request) -> None:
    """Forget the limit (signing in with a password replaces it)."""
    request.session.pop(LIMITED_SIGN_IN_KEY, None)
