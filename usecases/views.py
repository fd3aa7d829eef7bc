"""The authoring pages: start a use case, write its draft section by section, preview it as
reviewers will see it, publish it as a new version. Authors reach only their own audiences' use
cases (usecases/rules.py); everyone else gets a 404."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from language.services import language_hit_dismiss
from usecases import services
from usecases.checking import dismiss_target, hits_by_section, open_part_hits, section_hits
from usecases.consequences import consequence_keys, publish_consequences
from usecases.forms import (
    GONE_MESSAGE,
    PARTY_LIST_ID,
    DataPartyForm,
    DraftSectionForm,
    HitDismissForm,
    PublishForm,
    UseCaseStartForm,
    data_flow_formset,
)
from usecases.models import DATA_FLOW_KEYS, DATA_FLOWS_MAX, DataParty, UseCase, UseCaseDraft
from usecases.parties import organisations_named, unknown_parties
from usecases.readiness import readiness
from usecases.sections import SECTIONS, SECTIONS_BY_SLUG, section_is_written
from usecases.selectors import audiences_written_for, writable_use_case


@require_http_methods(["GET", "POST"])
def use_case_new(request):
    if not rules.has_perm("usecases.start_use_case", request.user):
        raise Http404
    form = UseCaseStartForm(request.POST or None, audiences=audiences_written_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            use_case = services.use_case_start(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("usecases:draft", use_case.slug)
    return render(request, "usecases/use_case_new.html", {"form": form})


@require_http_methods(["GET"])
def draft(request, use_case_slug: str):
    """The draft's sections and whether each is written; or, with no draft, a button to begin one."""
    use_case = writable_use_case(request.user, use_case_slug)
    current = UseCaseDraft.objects.filter(use_case=use_case).first()
    part_hits = _open_hits(current) if current else []
    hits = hits_by_section(part_hits)
    sections = [
        (section, current and section_is_written(section, current), len(hits.get(section.slug, [])))
        for section in SECTIONS
    ]
    context = {
        "use_case": use_case,
        "draft": current,
        "sections": sections,
        "latest": use_case.latest_version,
        "readiness": current and readiness(current, len(part_hits)),
    }
    return render(request, "usecases/draft.html", context)


def draft_start(request, use_case_slug: str):
    use_case = writable_use_case(request.user, use_case_slug)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.use_case_draft_start(use_case=use_case, actor=request.user)
    return redirect("usecases:draft", use_case.slug)


def _draft_of(request, use_case_slug: str) -> UseCaseDraft:
    use_case = writable_use_case(request.user, use_case_slug)
    current = UseCaseDraft.objects.filter(use_case=use_case).select_related("use_case__audience").first()
    if current is None:
        raise Http404
    return current


@require_http_methods(["GET", "POST"])
def draft_section(request, use_case_slug: str, section: str):
    """One section of the draft. What was typed is kept on the page whenever it cannot be saved."""
    current = _draft_of(request, use_case_slug)
    if section not in SECTIONS_BY_SLUG:
        raise Http404
    if section == "data-flows":
        return _data_flows(request, current)
    chosen = SECTIONS_BY_SLUG[section]
    initial = {"revision": current.revision, **{name: getattr(current, name) for name in chosen.fields}}
    form = DraftSectionForm(request.POST or None, initial=initial, section=chosen)
    if request.method == "POST" and form.is_valid():
        try:
            services.use_case_draft_save(
                draft=current, revision=form.cleaned_data["revision"], changes=form.changes, actor=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(_after(current, chosen))
    context = {"draft": current, "section": chosen, "form": form, "hits": section_hits(_open_hits(current), chosen)}
    return render(request, "usecases/draft_section.html", context, status=409 if _is_stale(form) else 200)


def _open_hits(current: UseCaseDraft):
    """The language checker's hits in the draft as last saved, neither fixed nor dismissed."""
    return open_part_hits([(current.use_case_id, current.number, current)])[0]


def draft_hit_dismiss(request, use_case_slug: str, section: str):
    """Dismiss one of the checker's hits with a reason; back to the section. A page of its own shows
    what was wrong (no reason, a reason too long, a hit no longer in the text) and changes nothing."""
    current = _draft_of(request, use_case_slug)
    if section not in SECTIONS_BY_SLUG:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = HitDismissForm(request.POST)
    target = None
    if form.is_valid():
        values = form.cleaned_data
        target = dismiss_target(
            current,
            number=current.number,
            part=values["part"],
            kind=values["kind"],
            text=values["text"],
            occurrence=values["occurrence"],
        )
        if target is None:
            form.add_error(None, GONE_MESSAGE)
        else:
            try:
                language_hit_dismiss(
                    subject=target.subject,
                    hits=target.hits,
                    hit=target.hit,
                    reason=values["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Dismissed: %(text)s") % {"text": target.hit.text})
                return redirect("usecases:draft_section", current.use_case.slug, section)
    context = {"draft": current, "section": SECTIONS_BY_SLUG[section], "form": form, "hit": target and target.hit}
    return render(request, "usecases/draft_hit_dismiss.html", context, status=400)


def _data_flows(request, current: UseCaseDraft):
    """The data flows as rows. Adding or removing a row saves what is on the page first, so the
    buttons work without JavaScript and lose nothing."""
    formset = data_flow_formset(request.POST if request.method == "POST" else None, flows=current.data_flows)
    revision = request.POST.get("revision", current.revision)
    refusal = None
    if request.method == "POST" and formset.is_valid():
        removing = request.POST.get("remove", "")
        flows = formset.flows(without=int(removing) if removing.isdigit() else None)
        adding = "add" in request.POST
        adding_party = "add_party" in request.POST
        if adding:
            flows.append(dict.fromkeys(DATA_FLOW_KEYS, ""))
        try:
            services.use_case_draft_save(
                draft=current,
                revision=int(revision) if str(revision).isdigit() else 0,
                changes={"data_flows": flows},
                actor=request.user,
            )
        except ValidationError as error:
            refusal = error
        else:
            if adding_party:
                return redirect(f"{reverse('usecases:party_new')}?use_case={current.use_case.slug}")
            if adding or removing:
                url = reverse("usecases:draft_section", args=[current.use_case.slug, "data-flows"])
                return redirect(url + (f"#flow-{len(flows)}" if adding else ""))
            return redirect(_after(current, SECTIONS_BY_SLUG["data-flows"]))
    problems = [*formset.non_form_errors(), *(refusal.messages if refusal else [])] if formset.is_bound else []
    context = {
        "draft": current,
        "section": SECTIONS_BY_SLUG["data-flows"],
        "formset": formset,
        "revision": revision,
        "problem": " ".join(problems),
        "errors": _formset_errors(formset) if formset.is_bound else [],
        "most_flows": DATA_FLOWS_MAX,
        "parties": DataParty.objects.values_list("name", flat=True),
        "party_list_id": PARTY_LIST_ID,
        "hits": section_hits(_open_hits(current), SECTIONS_BY_SLUG["data-flows"]),
    }
    return render(request, "usecases/draft_data_flows.html", context, status=409 if _is_stale_error(refusal) else 200)


def _formset_errors(formset) -> list[tuple[str, str]]:
    """(field id, message) pairs for the error summary, in the order of the page."""
    return [
        (form[name].auto_id, message)
        for form in formset.forms
        for name, field_messages in form.errors.items()
        for message in field_messages
    ]


STALE = ("stale", "gone", "consequences")


def _is_stale(form) -> bool:
    return any(error.code in STALE for error in form.non_field_errors().as_data())


def _is_stale_error(error: ValidationError | None) -> bool:
    if error is None or hasattr(error, "error_dict"):
        return False
    return any(each.code in STALE for each in error.error_list)


def _after(current: UseCaseDraft, section) -> str:
    """The next section to write, or the draft's page after the last one."""
    index = SECTIONS.index(section)
    if index + 1 < len(SECTIONS):
        return reverse("usecases:draft_section", args=[current.use_case.slug, SECTIONS[index + 1].slug])
    return reverse("usecases:draft", args=[current.use_case.slug])


@require_http_methods(["GET"])
def draft_preview(request, use_case_slug: str):
    """The draft exactly as reviewers will read it, with the same template parts."""
    current = _draft_of(request, use_case_slug)
    return render(request, "usecases/draft_preview.html", {"draft": current, "version": current})


@require_http_methods(["GET", "POST"])
def draft_publish(request, use_case_slug: str):
    """Publish the draft, listing first what publishing takes away (usecases.consequences)."""
    current = _draft_of(request, use_case_slug)
    revises = current.use_case.versions.exists()
    consequences = publish_consequences(current)
    expected = ",".join(consequence_keys(consequences))
    form = PublishForm(
        request.POST or None, initial={"revision": current.revision, "expected": expected}, revises=revises
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.use_case_draft_publish(
                draft=current,
                revision=form.cleaned_data["revision"],
                change_summary=form.cleaned_data.get("change_summary", ""),
                expected_consequences=form.cleaned_data["expected"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
            # The list below is read again: the page asks to confirm what it says now.
            form.data = form.data.copy()
            form.data["expected"] = expected
        else:
            messages.success(request, _("Version %(number)s published.") % {"number": version.number})
            return redirect("authors:version", version.use_case.slug, version.number)
    missing = [section for section in SECTIONS if not section_is_written(section, current)]
    context = {
        "draft": current,
        "form": form,
        "missing": missing,
        "unknown_parties": unknown_parties(current.data_flows),
        "interested": organisations_named(current.data_flows),
        "consequences": consequences,
    }
    return render(request, "usecases/draft_publish.html", context, status=409 if _is_stale(form) else 200)


@require_http_methods(["GET", "POST"])
def party_new(request):
    """Add a data party to the list every author chooses from; back to the draft's data flows."""
    if not rules.has_perm("usecases.start_use_case", request.user):
        raise Http404
    slug = request.GET.get("use_case", "")
    back = reverse("usecases:draft_section", args=[slug, "data-flows"]) if _may_write(request.user, slug) else None
    form = DataPartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            party = services.data_party_add(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(name)s added to the list of data parties.") % {"name": party.name})
            return redirect(back or "authors:use_cases")
    return render(request, "usecases/party_new.html", {"form": form, "back": back})


def _may_write(user, slug: str) -> bool:
    use_case = UseCase.objects.filter(slug=slug).select_related("audience").first()
    return use_case is not None and rules.has_perm("usecases.write_use_case", user, use_case)
