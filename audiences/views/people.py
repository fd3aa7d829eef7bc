"""The programme admins' people pages (/manage/people/): everyone with an account, inviting BOLD
staff, and one person's roles, organisations, account, two-factor sign-in and erasure. Admins
only: anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import two_factor
from accounts.services.access import STAFF_ROLE_GROUPS, account_active_set, account_staff_roles_set
from accounts.services.personal_data import account_erase
from accounts.services.two_factor import two_factor_reset
from audiences import selectors
from audiences.forms import StaffInvitationForm, StaffRolesForm
from audiences.models import Invitation
from audiences.services.invitations import invitation_create
from audiences.views.invitations import invitation_action_run
from bold_portal.access import admin_only
from bold_portal.forms import SearchForm, attempt
from bold_portal.pagination import paginate


@admin_only
def people_list(request):
    search_form = SearchForm(request.GET, label=_("Search by email address or name"))
    search = search_form.search
    page = paginate(selectors.people(search=search), request.GET.get("page"))
    people = [{"user": user, "roles": selectors.staff_roles(user)} for user in page.object_list]
    return render(
        request,
        "audiences/manage/people_list.html",
        {"page_obj": page, "people": people, "search": search, "search_form": search_form},
    )


@admin_only
@require_http_methods(["GET", "POST"])
def staff_invite(request):
    form = StaffInvitationForm(request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            sent := attempt(
                form,
                lambda: invitation_create(organisation=None, invited_by=request.user, **form.cleaned_data),
            )
        )
    ):
        invitation = sent[0]
        messages.success(
            request,
            _("Invitation sent to %(email)s. The link works once, until %(date)s.")
            % {"email": invitation.email, "date": formats.date_format(invitation.expires_at, "j F Y")},
        )
        return redirect("audiences:manage_staff_invite")
    page = paginate(selectors.invitations_pending(organisation=None), request.GET.get("page"))
    return render(request, "audiences/manage/staff_invite.html", {"form": form, "page_obj": page})


@admin_only
@require_POST
def staff_invitation_action(request, pk: int):
    """Cancel or resend a staff invitation (POST buttons on the staff invitation page)."""
    invitation = get_object_or_404(Invitation, pk=pk, organisation__isnull=True)
    invitation_action_run(request, invitation)
    return redirect("audiences:manage_staff_invite")


@admin_only
@require_http_methods(["GET", "POST"])
def person(request, pk: int):
    """One person: their roles (a form), their organisations, and switching the account off or on."""
    user = get_object_or_404(get_user_model(), pk=pk)
    roles = [role for role, group in STAFF_ROLE_GROUPS.items() if group in selectors.staff_roles(user)]
    form = StaffRolesForm(request.POST if request.method == "POST" else None, initial={"roles": roles})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            form,
            lambda: account_staff_roles_set(user=user, roles=form.cleaned_data["roles"], actor=request.user),
        )
    ):
        messages.success(request, _("Roles saved for %(email)s.") % {"email": user.email})
        return redirect("audiences:manage_person", pk=user.pk)
    return render(
        request,
        "audiences/manage/person.html",
        {
            "form": form,
            "person": user,
            "memberships": selectors.person_memberships(user),
            "is_self": user.pk == request.user.pk,
            "two_factor_app": two_factor.app_device(user),
            "two_factor_required": two_factor.two_factor_required(user),
        },
    )


@admin_only
@require_POST
def person_active(request, pk: int):
    """Switch an account off or on. Switching off the last active lead of an organisation shows a
    warning first (naming it, and who can act instead); the account changes only once confirmed."""
    user = get_object_or_404(get_user_model(), pk=pk)
    switch_on = request.POST.get("is_active") == "on"
    if not switch_on and user.is_active and request.POST.get("confirmed") != "1":
        organisations = selectors.organisations_left_without_lead(user)
        if organisations:
            return render(
                request,
                "audiences/manage/person_active_confirm.html",
                {"person": user, "organisations": organisations, "admins": selectors.programme_admins()},
            )
    try:
        account_active_set(user=user, is_active=switch_on, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if switch_on:
            messages.success(request, _("The account of %(email)s is switched on.") % {"email": user.email})
        else:
            messages.success(
                request,
                _("The account of %(email)s is switched off. They cannot sign in until it is switched back on.")
                % {"email": user.email},
            )
    return redirect("audiences:manage_person", pk=user.pk)


@admin_only
@require_POST
def person_two_factor_reset(request, pk: int):
    """Turn off someone's two-factor sign-in, when they have lost both their app and their
    recovery codes: they set up a new app the next time they sign in."""
    user = get_object_or_404(get_user_model(), pk=pk)
    try:
        two_factor_reset(user=user, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Two-factor sign-in is reset for %(email)s. They will set up a new app when they next sign in.")
            % {"email": user.email},
        )
    return redirect("audiences:manage_person", pk=user.pk)


@admin_only
@require_http_methods(["GET", "POST"])
def person_erase(request, pk: int):
    """A confirmation page, then erase the person's personal data at their request
    (account_erase): what goes and what stays is said on the page."""
    user = get_object_or_404(get_user_model(), pk=pk)
    if user.erased_at is not None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            account_erase(user=user, actor=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request,
                _("Their personal data is erased. Their reviews are kept and show as a former reviewer's."),
            )
            return redirect("audiences:manage_person", pk=user.pk)
    return render(
        request,
        "audiences/manage/person_erase.html",
        {
            "person": user,
            "memberships": selectors.person_memberships(user),
            "is_self": user.pk == request.user.pk,
            "error": error,
        },
    )
