"""The programme admins' organisation pages (/manage/organisations/): list, add and change, with
the audiences each serves. Admins only: anyone else gets a 404."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audiences import selectors
from audiences.forms import OrganisationForm
from audiences.models import Organisation
from audiences.services.organisations import organisation_create, organisation_update
from bold_portal.access import admin_only
from bold_portal.forms import SearchForm, attempt
from bold_portal.pagination import paginate


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
        and (organisation := attempt(form, lambda: organisation_create(actor=request.user, **form.cleaned_data)))
    ):
        messages.success(request, _("%(name)s added.") % {"name": organisation.name})
        return redirect("audiences:manage_organisations")
    return render(request, "audiences/manage/organisation_form.html", {"form": form, "adding": True})


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
            lambda: organisation_update(organisation=organisation, actor=request.user, **form.cleaned_data),
        )
    ):
        messages.success(request, _("%(name)s saved.") % {"name": organisation.name})
        return redirect("audiences:manage_organisations")
    return render(
        request,
        "audiences/manage/organisation_form.html",
        {"form": form, "organisation": organisation, "adding": False},
    )
