"""Signing in and out, the lockout page, and setting a new password from an emailed link."""

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib import messages
from django.contrib.auth.views import LoginView, LogoutView, PasswordResetConfirmView
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _

from accounts.forms import SignInForm
from accounts.limited_sign_in import limited_sign_in_end, limited_sign_in_scope
from accounts.services.passwords import sign_in_lockout_clear
from accounts.two_factor import two_factor_not_required


class SignInView(LoginView):
    """Someone signed in already goes to the home page, unless their sign-in is limited (a personal
    review link's): they may sign in in full here, which ends the limit."""

    form_class = SignInForm
    template_name = "accounts/sign_in.html"

    @property
    def redirect_authenticated_user(self) -> bool:
        return limited_sign_in_scope(self.request) is None

    def form_valid(self, form):
        limited_sign_in_end(self.request)
        return super().form_valid(form)


def sign_in_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): too many wrong passwords for this
    email address from this IP address. Says when to try again and how to reset the password."""
    last_failure = (
        AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=getattr(request, "axes_ip_address", None) or get_client_ip_address(request),
        )
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    cool_off = get_cool_off(request)
    context = {
        "try_again_at": timezone.localtime((last_failure or timezone.now()) + cool_off),
        "minutes": int(cool_off.total_seconds() // 60),
    }
    return render(request, "accounts/sign_in_locked.html", context, status=429)


class NewPasswordView(PasswordResetConfirmView):
    """Setting a new password from the emailed link also ends a sign-in lockout for the address."""

    def form_valid(self, form):
        response = super().form_valid(form)
        sign_in_lockout_clear(user=form.user)
        return response


@method_decorator(two_factor_not_required, name="dispatch")
class SignOutView(LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return response
