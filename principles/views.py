"""The admin's pages for principles (under /manage/principles/): list, add, change, and whether
each is offered for new rounds. Programme admins only; anyone else gets a 404."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from bold_portal.pagination import paginate
from principles import selectors, services
from principles.forms import PrincipleForm
from principles.models import Principle


def _admin_only(request) -> None:
    if not rules.has_perm("audiences.manage_portal", request.user):
        raise Http404


def principle_list(request):
    _admin_only(request)
    page = paginate(selectors.principles_all(), request.GET.get("page"))
    return render(request, "principles/principle_list.html", {"page_obj": page})


@require_http_methods(["GET", "POST"])
def principle_add(request):
    _admin_only(request)
    form = PrincipleForm(request.POST if request.method == "POST" else None, adding=True)
    if request.method == "POST" and form.is_valid():
        try:
            principle = services.principle_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s added. It is offered for new rounds.") % {"name": principle.name})
            return redirect("principles:list")
    return render(request, "principles/principle_form.html", {"form": form, "adding": True})


@require_http_methods(["GET", "POST"])
def principle_edit(request, slug: str):
    _admin_only(request)
    principle = get_object_or_404(Principle, slug=slug)
    initial = {
        "name": principle.name,
        "question": principle.question,
        "guidance": principle.guidance,
        "is_active": principle.is_active,
        "reads_sections": principle.reads_sections,
    }
    form = PrincipleForm(request.POST if request.method == "POST" else None, initial=initial, adding=False)
    if request.method == "POST" and form.is_valid():
        try:
            principle = services.principle_update(principle=principle, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": principle.name})
            return redirect("principles:list")
    return render(request, "principles/principle_form.html", {"form": form, "principle": principle, "adding": False})
