"""The portal's admin pages for audiences, organisations and people (under /manage/). Programme
admins only: anyone else gets a 404, as on the other pages they may not see. Views are thin:
reads come from selectors, changes go through services."""

from functools import wraps

import rules
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audiences import selectors, services, two_factor
from audiences.forms import AudienceForm, OrganisationForm, StaffInvitationForm, StaffRolesForm
from audiences.models import Audience, Invitation, Organisation
from bold_portal.forms import SearchForm
from bold_portal.pagination import paginate


def admin_only(view):
    """A 404 for anyone who is not a programme admin (anonymous visitors are sent to sign in by
    the login middleware before they get here)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not rules.has_perm("audiences.manage_portal", request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _form_page(request, template: str, form, **context):
    return render(request, template, {"form": form, **context})


def attempt(form, action):
    """What action (a service call) returns; or None, with the messages of the ValidationError it
    raised put on the form's fields."""
    try:
        return action()
    except ValidationError as error:
        add_errors(form, error)
        return None


def add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError on the form: each message on its field when the form has that
    field, otherwise above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


# --- Audiences ----------------------------------------------------------------------------------


@admin_only
def audience_list(request):
    page = paginate(selectors.audiences_all(), request.GET.get("page"))
    return render(request, "audiences/manage/audience_list.html", {"page_obj": page})


@admin_only
@require_http_methods(["GET", "POST"])
def audience_add(request):
    form = AudienceForm(request.POST if request.method == "POST" else None, submit_label=_("Add audience"))
    if (
        request.method == "POST"
        and form.is_valid()
        and (audience := attempt(form, lambda: services.audience_create(actor=request.user, **form.cleaned_data)))
    ):
        messages.success(request, _("%(name)s added.") % {"name": audience.name})
        return redirect("audiences:manage_audiences")
    return _form_page(request, "audiences/manage/audience_form.html", form, adding=True)


@admin_only
@require_http_methods(["GET", "POST"])
def audience_edit(request, slug: str):
    audience = get_object_or_404(Audience, slug=slug)
    initial = {"name": audience.name, "description": audience.description, "colour": audience.colour}
    form = AudienceForm(
        request.POST if request.method == "POST" else None, initial=initial, submit_label=_("Save changes")
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(form, lambda: services.audience_update(audience=audience, actor=request.user, **form.cleaned_data))
    ):
        messages.success(request, _("%(name)s saved.") % {"name": audience.name})
        return redirect("audiences:manage_audiences")
    return _form_page(request, "audiences/manage/audience_form.html", form, audience=audience, adding=False)


@admin_only
@require_POST
def audience_move(request, slug: str):
    audience = get_object_or_404(Audience, slug=slug)
    direction = request.POST.get("direction", "")
    try:
        services.audience_move(audience=audience, direction=direction, actor=request.user)
    except ValidationError:
        messages.error(request, _("Choose whether to move the audience up or down."))
    # Back to the page of the list the button was on: a page number, or the first page for anything else.
    page = request.POST.get("page", "")
    page = page if page.isascii() and page.isdigit() and len(page) <= 6 else "1"
    return redirect(f"{reverse('audiences:manage_audiences')}?page={page}#audience-{audience.slug}")


@admin_only
@require_http_methods(["GET", "POST"])
def audience_archive(request, slug: str):
    """A confirmation page, then archive (or, for an archived audience, bring it back)."""
    audience = get_object_or_404(Audience, slug=slug)
    if request.method == "POST":
        services.audience_archive_set(audience=audience, is_archived=not audience.is_archived, actor=request.user)
        if audience.is_archived:
            messages.success(request, _("%(name)s archived.") % {"name": audience.name})
        else:
            messages.success(request, _("%(name)s is offered again.") % {"name": audience.name})
        return redirect("audiences:manage_audiences")
    return render(request, "audiences/manage/audience_archive.html", {"audience": audience})


# --- Organisations ------------------------------------------------------------------------------


@admin_only
def organisation_list(request):
    search_form = SearchForm(request.GET, label=_("Search by name"))
    search = search_form.search
    page = paginate(selectors.organisations_all(search=search), request.GET.get("page"))
    return render(
        request,
        "audiences/manage/organisation_list.html",
        {"page_obj": page, "search": search, "search_form": search_form},
    )


@admin_only
@require_http_methods(["GET", "POST"])
def organisation_add(request):
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        audiences=selectors.audiences_offered(),
        submit_label=_("Add organisation"),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (
            organisation := attempt(form, lambda: services.organisation_create(actor=request.user, **form.cleaned_data))
        )
    ):
        messages.success(request, _("%(name)s added.") % {"name": organisation.name})
        return redirect("audiences:manage_organisations")
    return _form_page(request, "audiences/manage/organisation_form.html", form, adding=True)


@admin_only
@require_http_methods(["GET", "POST"])
def organisation_edit(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    current = list(organisation.audiences.all())
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        initial={"name": organisation.name, "website": organisation.website, "audiences": current},
        audiences=selectors.audiences_offered(keep=current),
        submit_label=_("Save changes"),
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            form,
            lambda: services.organisation_update(organisation=organisation, actor=request.user, **form.cleaned_data),
        )
    ):
        messages.success(request, _("%(name)s saved.") % {"name": organisation.name})
        return redirect("audiences:manage_organisations")
    return _form_page(request, "audiences/manage/organisation_form.html", form, organisation=organisation, adding=False)


# --- People -------------------------------------------------------------------------------------


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
                lambda: services.invitation_create(organisation=None, invited_by=request.user, **form.cleaned_data),
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
    return _form_page(request, "audiences/manage/staff_invite.html", form, page_obj=page)


@admin_only
@require_POST
def staff_invitation_action(request, pk: int):
    """Cancel or resend a staff invitation (POST buttons on the staff invitation page)."""
    invitation = get_object_or_404(Invitation, pk=pk, organisation__isnull=True)
    invitation_action_run(request, invitation)
    return redirect("audiences:manage_staff_invite")


def invitation_action_run(request, invitation: Invitation) -> None:
    action = request.POST.get("action")
    try:
        if action == "cancel":
            services.invitation_cancel(invitation=invitation, actor=request.user)
            messages.success(request, _("The invitation to %(email)s is cancelled.") % {"email": invitation.email})
        elif action == "resend":
            services.invitation_resend(invitation=invitation, actor=request.user)
            messages.success(
                request,
                _("A new invitation has been sent to %(email)s. The old link no longer works.")
                % {"email": invitation.email},
            )
        else:
            messages.error(request, _("Choose whether to cancel or resend the invitation."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))


@admin_only
@require_http_methods(["GET", "POST"])
def person(request, pk: int):
    """One person: their roles (a form), their organisations, and switching the account off or on."""
    user = get_object_or_404(get_user_model(), pk=pk)
    roles = [role for role, group in services.STAFF_ROLE_GROUPS.items() if group in selectors.staff_roles(user)]
    form = StaffRolesForm(request.POST if request.method == "POST" else None, initial={"roles": roles})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            form,
            lambda: services.account_staff_roles_set(user=user, roles=form.cleaned_data["roles"], actor=request.user),
        )
    ):
        messages.success(request, _("Roles saved for %(email)s.") % {"email": user.email})
        return redirect("audiences:manage_person", pk=user.pk)
    return _form_page(
        request,
        "audiences/manage/person.html",
        form,
        person=user,
        memberships=selectors.person_memberships(user),
        is_self=user.pk == request.user.pk,
        two_factor_app=two_factor.app_device(user),
        two_factor_required=two_factor.two_factor_required(user),
    )


@admin_only
@require_POST
def person_active(request, pk: int):
    user = get_object_or_404(get_user_model(), pk=pk)
    switch_on = request.POST.get("is_active") == "on"
    try:
        services.account_active_set(user=user, is_active=switch_on, actor=request.user)
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
        services.two_factor_reset(user=user, actor=request.user)
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
    (services.account_erase): what goes and what stays is said on the page."""
    user = get_object_or_404(get_user_model(), pk=pk)
    if user.erased_at is not None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            services.account_erase(user=user, actor=request.user)
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
