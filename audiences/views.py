"""Signing in and out, resetting a password, and joining an organisation by invitation."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats
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
)
from bold_portal.roles import is_admin


class SignInView(LoginView):
    form_class = SignInForm
    template_name = "audiences/sign_in.html"
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return response


def _organisations_to_invite_to(user):
    if is_admin(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user, memberships__role=Membership.Role.LEAD)


@permission_required("audiences.invite_people", raise_exception=True)
@require_http_methods(["GET", "POST"])
def invitation_new(request):
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
    existing_account = invitation_existing_user(invitation) is not None
    form_class = InvitationAcceptExistingForm if existing_account else InvitationAcceptForm
    form = form_class(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                raw_token=token, name=form.cleaned_data.get("name", ""), password=form.cleaned_data["password"]
            )
        except InvitationRefused as refused:
            return render(request, "audiences/invitation_refused.html", {"reason": str(refused)}, status=410)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("You have joined %(organisation)s.") % {"organisation": invitation.organisation.name}
            )
            return redirect("home")
    return render(
        request,
        "audiences/invitation_accept.html",
        {"form": form, "invitation": invitation, "existing_account": existing_account},
    )
