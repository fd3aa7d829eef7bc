"""Two-factor sign-in is enforced here, for every page at once, rather than view by view."""

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts import two_factor


class TwoFactorRequiredMiddleware:
    """An analyst or programme admin (or superuser) who has signed in with a password but not yet
    with a code reaches only public pages and the pages marked two_factor_not_required (the
    two-factor steps and signing out). Every other page, export, API and the Django admin sends
    them to the code step, or to set up an app if they have none, then back. Runs after django-otp's
    OTPMiddleware (request.user.is_verified) and Django's LoginRequiredMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True) or not getattr(view_func, "two_factor_required", True):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified() or not two_factor.two_factor_required(user):
            return None
        step = "verify" if two_factor.app_device(user) else "setup"
        return redirect_to_login(request.get_full_path(), reverse(f"accounts:two_factor_{step}"))
