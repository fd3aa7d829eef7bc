"""The programme admins' audience pages (/manage/audiences/): list, add, change, move and archive.
Admins only: anyone else gets a 404. Reads come from selectors, changes go through services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audiences import selectors
from audiences.forms import AudienceForm
from audiences.models import Audience
from audiences.services import audiences as services  # the views are named as their services
from bold_portal.access import admin_only
from bold_portal.forms import attempt
from bold_portal.pagination import paginate


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
    return render(request, "audiences/manage/audience_form.html", {"form": form, "adding": True})


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
    return render(request, "audiences/manage/audience_form.html", {"form": form, "audience": audience, "adding": False})


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
