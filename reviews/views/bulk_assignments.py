"""The programme admins' pages for giving use cases in bulk (docs/admin-rounds.md): the
use case x organisation grid, a page at a time; a CSV file of assignments, checked in full and
previewed before anything changes; one due date for a round's or an organisation's assignments.
Thin: reads come from reviews.selectors.bulk_assignments, the file check from
reviews.imports.assignments_file, changes go through reviews.services.bulk_assignments."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from reviews.forms.bulk_assignments import AssignmentsConfirmForm, AssignmentsFileForm, BulkDueDateForm, GridForm
from reviews.imports.assignments_file import assignments_file_check
from reviews.models import ReviewRound
from reviews.selectors import bulk_assignments as selectors
from reviews.services import bulk_assignments as services
from reviews.views.rounds import admin_only, paged, posted_data, round_or_404

PREVIEW_ROWS = 100


def _open_round_or_404(round_slug: str, request) -> ReviewRound:
    """The round; a 404 for a change posted to a closed one (its pages only show it)."""
    review_round = round_or_404(round_slug)
    if review_round.status == ReviewRound.Status.CLOSED and request.method == "POST":
        raise Http404
    return review_round


@require_http_methods(["GET", "POST"])
@admin_only
def assign_grid(request, round_slug: str):
    """A page of the round's use cases against every organisation: tick to give, untick to take away."""
    review_round = _open_round_or_404(round_slug, request)
    organisations = selectors.grid_organisations()
    form = GridForm(posted_data(request), initial={"due_on": selectors.round_due_date(review_round)})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.assignments_grid_change(
                review_round=review_round,
                version_ids=form.cleaned_data["versions"],
                organisation_ids=form.cleaned_data["organisations"],
                chosen=form.cleaned_data["pairs"],
                due_on=form.cleaned_data["due_on"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Saved: %(added)d given, %(removed)d taken away.")
                % {"added": changed.added, "removed": changed.removed},
            )
            return redirect(request.get_full_path())
    page, pages = paged(
        request,
        selectors.grid_versions(review_round),
        selectors.grid_versions_per_page(len(organisations)),
        label=_("Pages of use cases"),
    )
    version_ids = [version.pk for version in page]
    given = selectors.grid_pairs(review_round, version_ids)
    rows = [
        (version, [(organisation, (version.pk, organisation.pk) in given) for organisation in organisations])
        for version in page
    ]
    return render(
        request,
        "rounds/assign_grid.html",
        {
            "review_round": review_round,
            "form": form,
            "organisations": organisations,
            "rows": rows,
            "page": page,
            "pagination": pages,
            "shown_versions": ",".join(str(pk) for pk in version_ids),
            "shown_organisations": ",".join(str(organisation.pk) for organisation in organisations),
            "editable": review_round.status != ReviewRound.Status.CLOSED,
        },
    )


@require_http_methods(["GET", "POST"])
@admin_only
def assign_upload(request, round_slug: str):
    """Upload a file of assignments: every problem by line, or a preview to confirm."""
    review_round = _open_round_or_404(round_slug, request)
    if review_round.status == ReviewRound.Status.CLOSED:
        return redirect("rounds:detail", review_round.slug)
    form = AssignmentsFileForm(posted_data(request), request.FILES if request.method == "POST" else None)
    context = {"review_round": review_round, "form": form, "problems": []}
    if request.method == "POST" and form.is_valid():
        checked = assignments_file_check(
            review_round=review_round,
            content=form.cleaned_data["file"],
            default_due_on=selectors.round_due_date(review_round),
        )
        if checked.problems:
            context["problems"] = checked.problems
            return render(request, "rounds/assign_upload.html", context, status=400)
        return render(
            request,
            "rounds/assign_upload_preview.html",
            {
                "review_round": review_round,
                "checked": checked,
                "preview": selectors.planned_rows(checked.planned[:PREVIEW_ROWS]),
                "more": max(0, len(checked.planned) - PREVIEW_ROWS),
                "confirm": AssignmentsConfirmForm(
                    initial={"content": AssignmentsConfirmForm.carry(form.cleaned_data["file"])}
                ),
            },
        )
    return render(request, "rounds/assign_upload.html", context, status=400 if form.errors else 200)


@require_http_methods(["POST"])
@admin_only
def assign_upload_confirm(request, round_slug: str):
    """Add the previewed file's assignments, once checked again."""
    review_round = _open_round_or_404(round_slug, request)
    confirm = AssignmentsConfirmForm(request.POST)
    problems = []
    if confirm.is_valid():
        checked = assignments_file_check(
            review_round=review_round,
            content=confirm.cleaned_data["content"],
            default_due_on=selectors.round_due_date(review_round),
        )
        problems = [str(problem) for problem in checked.problems]
        if not problems:
            try:
                added = services.assignments_upload(
                    review_round=review_round, planned=checked.planned, actor=request.user
                )
            except ValidationError as error:
                problems = error.messages
            else:
                messages.success(
                    request,
                    ngettext("%(count)d assignment added.", "%(count)d assignments added.", added) % {"count": added},
                )
                return redirect("rounds:assign", review_round.slug)
    else:
        problems = [message for errors in confirm.errors.values() for message in errors]
    form = AssignmentsFileForm()
    return render(
        request,
        "rounds/assign_upload.html",
        {"review_round": review_round, "form": form, "problems": problems, "changed_since": True},
        status=400,
    )


@require_http_methods(["GET", "POST"])
@admin_only
def assign_due_dates(request, round_slug: str):
    """One due date for every assignment of the round, or of one organisation."""
    review_round = _open_round_or_404(round_slug, request)
    if review_round.status == ReviewRound.Status.CLOSED:
        return redirect("rounds:detail", review_round.slug)
    form = BulkDueDateForm(posted_data(request), initial={"due_on": selectors.round_due_date(review_round)})
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.assignments_due_change_bulk(
                review_round=review_round,
                organisation=form.cleaned_data["organisation"],
                due_on=form.cleaned_data["due_on"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d due date changed.", "%(count)d due dates changed.", changed) % {"count": changed},
            )
            return redirect("rounds:assign", review_round.slug)
    return render(request, "rounds/assign_due_dates.html", {"review_round": review_round, "form": form})
