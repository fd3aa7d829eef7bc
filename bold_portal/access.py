"""Who may open a page, as decorators for views."""

from functools import wraps

from django.http import Http404

from bold_portal.roles import is_admin


def admin_only(view):
    """A 404 for anyone who is not a programme admin, as on the other pages they may not see
    (anonymous visitors are sent to sign in by the login middleware before they get here)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_admin(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
