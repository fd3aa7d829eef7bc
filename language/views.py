"""The admins' pages for the lexicon (under /manage/language/): list, add, change. Programme admins
only; anyone else gets a 404."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from bold_portal.pagination import paginate
from language import selectors, services
from language.forms import LexiconEntryForm
from language.lexicon_file import source_citation
from language.models import LexiconEntry


def _admin_only(request) -> None:
    if not rules.has_perm("audiences.manage_portal", request.user):
        raise Http404


def lexicon_list(request):
    _admin_only(request)
    page = paginate(selectors.lexicon_entries_all(), request.GET.get("page"))
    for entry in page:
        entry.citation = source_citation(entry.source)
    return render(request, "language/lexicon_list.html", {"page_obj": page})


@require_http_methods(["GET", "POST"])
def lexicon_entry_add(request):
    _admin_only(request)
    form = LexiconEntryForm(request.POST if request.method == "POST" else None, adding=True)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.lexicon_entry_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(term)s added to the lexicon.") % {"term": entry.term})
            return redirect("language:list")
    return render(request, "language/lexicon_entry_form.html", {"form": form, "adding": True})


@require_http_methods(["GET", "POST"])
def lexicon_entry_edit(request, pk: int):
    _admin_only(request)
    entry = get_object_or_404(LexiconEntry.objects.select_related("audience"), pk=pk)
    initial = {
        "term": entry.term,
        "kind": entry.kind,
        "audience": entry.audience.slug if entry.audience else None,
        "suggestion": entry.suggestion,
        "source": entry.source,
        "is_active": entry.is_active,
    }
    form = LexiconEntryForm(
        request.POST if request.method == "POST" else None, initial=initial, adding=False, audience=entry.audience
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.lexicon_entry_update(entry=entry, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(term)s saved.") % {"term": entry.term})
            return redirect("language:list")
    return render(request, "language/lexicon_entry_form.html", {"form": form, "entry": entry, "adding": False})
