"""Signing in and out, resetting a password, and joining an organisation by invitation."""

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, LogoutView, PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audiences.forms import InvitationAcceptExistingForm, InvitationAcceptForm, InvitationForm, SignInForm
from audiences.models import Invitation, Membership, Organisation
from audiences.services import (
    InvitationRefused,
    invitation_accept,
    invitation_create,
    invitation_existing_user,
    invitation_for_token,
    sign_in_lockout_clear,
)
from audiences.two_factor import two_factor_not_required
from bold_portal.roles import is_admin


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "audiences/sign_in.html"
    redirect_authenticated_user = True


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
    return render(request, "audiences/sign_in_locked.html", context, status=429)


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


def _organisations_to_invite_to(user):
    if is_admin(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user, memberships__role=Membership.Role.LEAD)


@require_http_methods(["GET", "POST"])
def invitation_new(request):
    # Programme admins and organisation leads invite; as on every page, anyone else gets a 404.
    if not request.user.has_perm("audiences.invite_people"):
        raise Http404
    organisations = _organisations_to_invite_to(request.user)
    form = InvitationForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = invitation_create(invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works once, until %(date)s.")
                % {"email": invitation.email, "date": formats.date_format(invitation.expires_at, "j F Y")},
            )
            return redirect("audiences:invitation_new")
    sent = Invitation.objects.filter(organisation__in=organisations).select_related("organisation")[:20]
    return render(request, "audiences/invitation_new.html", {"form": form, "invitations": sent})


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept_page(request, token):
    try:
        invitation = invitation_for_token(token)
    except InvitationRefused as refused:
        return render(request, "audiences/invitation_refused.html", {"reason": str(refused)}, status=410)
    if request.user.is_authenticated and request.user.email.lower() != invitation.email.lower():
        # Accepting would sign this browser in as the invited person: say so, and ask to sign out first.
        return render(request, "audiences/invitation_signed_in_as_someone_else.html", {"invitation": invitation})
    existing_account = invitation_existing_user(invitation) is not None
    if existing_account:
        form = InvitationAcceptExistingForm(request.POST or None, invitation=invitation, request=request)
    else:
        form = InvitationAcceptForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                raw_token=token,
                name=form.cleaned_data.get("name", ""),
                password=form.cleaned_data["password"],
                account=getattr(form, "account", None),
            )
        except InvitationRefused as refused:
            return render(request, "audiences/invitation_refused.html", {"reason": str(refused)}, status=410)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("You have joined %(organisation)s.") % {"organisation": invitation.place})
            return redirect("home")
    return render(
        request,
        "audiences/invitation_accept.html",
        {"form": form, "invitation": invitation, "existing_account": existing_account},
    )
