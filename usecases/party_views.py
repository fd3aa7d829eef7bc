"""The programme admins' pages for the list of data parties (under /manage/parties/): the list,
change a party (rename, kind, link or unlink an organisation), merge one into another after a
confirmation. Thin: reads come from usecases.parties, changes go through usecases.services.
Anyone but a programme admin gets a 404."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from bold_portal.pagination import paginate
from usecases import services
from usecases.forms import DataPartyForm, DataPartyMergeForm
from usecases.models import DataParty
from usecases.parties import drafts_naming, parties_for_admins


def _admin_only(request) -> None:
    if not rules.has_perm("audiences.manage_portal", request.user):
        raise Http404


@require_http_methods(["GET"])
def party_list(request):
    _admin_only(request)
    page = paginate(parties_for_admins(), request.GET.get("page"))
    return render(request, "usecases/party_list.html", {"page_obj": page})


@require_http_methods(["GET", "POST"])
def party_edit(request, pk: int):
    _admin_only(request)
    party = get_object_or_404(DataParty.objects.select_related("organisation"), pk=pk)
    initial = {"name": party.name, "kind": party.kind, "organisation": party.organisation}
    form = DataPartyForm(request.POST if request.method == "POST" else None, initial=initial, party=party)
    if request.method == "POST" and form.is_valid():
        try:
            party = services.data_party_change(party=party, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": party.name})
            return redirect("parties:list")
    context = {"form": form, "party": party, "drafts": drafts_naming(party.name)}
    return render(request, "usecases/party_edit.html", context)


@require_http_methods(["GET", "POST"])
def party_merge(request, pk: int):
    """Choose the party to keep; a page of its own lists what moves and asks to confirm."""
    _admin_only(request)
    party = get_object_or_404(DataParty.objects.select_related("organisation"), pk=pk)
    form = DataPartyMergeForm(request.POST if request.method == "POST" else None, party=party)
    if request.method == "POST" and form.is_valid():
        into = form.cleaned_data["into"]
        if not form.cleaned_data["confirmed"]:
            context = {"form": form, "party": party, "into": into, "drafts": drafts_naming(party.name)}
            return render(request, "usecases/party_merge_confirm.html", context)
        try:
            services.data_party_merge(party=party, into=into, actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s merged into %(kept)s.") % {"name": party.name, "kept": into.name})
            return redirect("parties:list")
    return render(request, "usecases/party_merge.html", {"form": form, "party": party})
