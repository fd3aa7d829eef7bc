"""Joining an organisation, or BOLD staff, by invitation: the invitation page of leads and
admins, and the page the emailed link opens."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audiences.forms import InvitationAcceptExistingForm, InvitationAcceptForm, InvitationForm
from audiences.models import Invitation, Membership, Organisation
from audiences.services.invitations import (
    InvitationRefused,
    invitation_accept,
    invitation_cancel,
    invitation_create,
    invitation_existing_user,
    invitation_for_token,
    invitation_resend,
)
from bold_portal.roles import is_admin


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


def invitation_action_run(request, invitation: Invitation) -> None:
    action = request.POST.get("action")
    try:
        if action == "cancel":
            invitation_cancel(invitation=invitation, actor=request.user)
            messages.success(request, _("The invitation to %(email)s is cancelled.") % {"email": invitation.email})
        elif action == "resend":
            invitation_resend(invitation=invitation, actor=request.user)
            messages.success(
                request,
                _("A new invitation has been sent to %(email)s. The old link no longer works.")
                % {"email": invitation.email},
            )
        else:
            messages.error(request, _("Choose whether to cancel or resend the invitation."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
