"""An organisation's own pages for its leads (and programme admins): members, their roles, and
invitations. A lead of another organisation, a reviewer, an analyst or an author gets a 404 on
every one of them, and a member or invitation is always looked up inside the organisation in the
address, so changing a number in it reaches nothing else."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audiences import selectors
from audiences.forms import MembershipRoleForm
from audiences.models import Organisation
from audiences.services.memberships import membership_remove, membership_role_change
from audiences.views.invitations import invitation_action_run
from bold_portal.forms import add_errors
from bold_portal.pagination import paginate


def managed_organisation(request, slug: str) -> Organisation:
    """The organisation in the address, if the signed-in person leads it (or is an admin)."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None or not rules.has_perm("audiences.manage_organisation", request.user, organisation):
        raise Http404
    return organisation


def members(request, slug: str):
    organisation = managed_organisation(request, slug)
    page = paginate(selectors.organisation_members(organisation), request.GET.get("page"))
    return render(
        request,
        "audiences/organisation/members.html",
        {
            "organisation": organisation,
            "page_obj": page,
            "lead_count": selectors.organisation_lead_count(organisation),
        },
    )


@require_http_methods(["GET", "POST"])
def member_role(request, slug: str, pk: int):
    organisation = managed_organisation(request, slug)
    membership = get_object_or_404(organisation.memberships.select_related("user", "organisation"), pk=pk)
    form = MembershipRoleForm(request.POST if request.method == "POST" else None, initial={"role": membership.role})
    warn_about = []
    if request.method == "POST" and form.is_valid() and form.cleaned_data["role"] != membership.role:
        confirmed = request.POST.get("confirmed") == "1"
        warn_about = [] if confirmed else selectors.organisations_to_warn_before_stepping_down(membership)
    if request.method == "POST" and form.is_valid() and not warn_about:
        try:
            membership_role_change(membership=membership, role=form.cleaned_data["role"], actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Role saved for %(name)s.") % {"name": membership.user.get_short_name()})
            return redirect("audiences:organisation_members", slug=organisation.slug)
    return render(
        request,
        "audiences/organisation/member_role.html",
        {
            "form": form,
            "organisation": organisation,
            "membership": membership,
            "warn_about": warn_about,
            "admins": selectors.programme_admins() if warn_about else [],
        },
    )


@require_http_methods(["GET", "POST"])
def member_remove(request, slug: str, pk: int):
    """A confirmation page, then the member is taken out of the organisation. Removing the last
    lead whose account is on warns on that page; the form then posts confirmed=1, and a post
    without it changes nothing."""
    organisation = managed_organisation(request, slug)
    membership = get_object_or_404(organisation.memberships.select_related("user", "organisation"), pk=pk)
    problem = ""
    warn_about = selectors.organisations_to_warn_before_stepping_down(membership)
    if request.method == "POST" and (not warn_about or request.POST.get("confirmed") == "1"):
        try:
            membership_remove(membership=membership, actor=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(
                request,
                _("%(name)s is no longer a member of %(organisation)s.")
                % {"name": membership.user.get_short_name(), "organisation": organisation.name},
            )
            if membership.user_id == request.user.pk and not rules.has_perm(
                "audiences.manage_organisation", request.user, organisation
            ):
                return redirect("home")
            return redirect("audiences:organisation_members", slug=organisation.slug)
    return render(
        request,
        "audiences/organisation/member_remove.html",
        {
            "organisation": organisation,
            "membership": membership,
            "problem": problem,
            "warn_about": warn_about,
            "admins": selectors.programme_admins() if warn_about else [],
        },
        status=400 if problem else 200,
    )


def invitations(request, slug: str):
    organisation = managed_organisation(request, slug)
    page = paginate(selectors.invitations_pending(organisation=organisation), request.GET.get("page"))
    return render(request, "audiences/organisation/invitations.html", {"organisation": organisation, "page_obj": page})


@require_POST
def invitation_action(request, slug: str, pk: int):
    organisation = managed_organisation(request, slug)
    invitation = get_object_or_404(organisation.invitations, pk=pk)
    invitation_action_run(request, invitation)
    return redirect("audiences:organisation_invitations", slug=organisation.slug)
