"""The programme admins' pages about who reviews what in a round (docs/admin-rounds.md): assign by
rule, a use case's and an organisation's assignments, and changing, moving or removing one. Thin:
reads come from reviews.selectors.assignments, changes go through reviews.services.assignments.
Anyone who is not a programme admin gets a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from audiences.models import Organisation
from bold_portal.forms import add_errors
from bold_portal.redirects import is_page_here
from reviews.forms.assignments import AssignmentAddForm, DueDateForm, ReassignForm
from reviews.models import ReviewRound
from reviews.selectors import assignments as selectors
from reviews.selectors.bulk_assignments import organisations_without_version, round_due_date
from reviews.selectors.rounds import round_version
from reviews.services import assignments as services
from reviews.views.rounds import admin_only, paged, posted_data, progress_pages, round_or_404


def _back(request, default: str) -> str:
    """Where to go after changing an assignment: the page it was changed from, if it is ours."""
    back = request.POST.get("back") or request.GET.get("back") or ""
    return back if is_page_here(request, back) else default


@require_http_methods(["GET", "POST"])
@admin_only
def round_assign(request, round_slug: str):
    """Assign by rule in one action, then links to adjust per use case and per organisation."""
    review_round = round_or_404(round_slug)
    form = DueDateForm(
        posted_data(request),
        submit_label=_("Give the use cases to these organisations"),
        initial={"due_on": review_round.closes_on},
    )
    if review_round.status != ReviewRound.Status.CLOSED and request.method == "POST" and form.is_valid():
        try:
            made = services.assignments_by_audience_create(
                review_round=review_round, due_on=form.cleaned_data["due_on"], actor=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d assignment made.", "%(count)d assignments made.", made) % {"count": made},
            )
            return redirect("rounds:assign", review_round.slug)
    elif request.method == "POST" and review_round.status == ReviewRound.Status.CLOSED:
        raise Http404
    return render(
        request,
        "rounds/round_assign.html",
        {
            "review_round": review_round,
            "form": form,
            **progress_pages(request, review_round),
        },
    )


@require_http_methods(["GET", "POST"])
@admin_only
def version_assignments(request, round_slug: str, version_id: int):
    """One use case's assignments in the round, and a form to add an organisation or a person."""
    review_round = round_or_404(round_slug)
    version = round_version(review_round, version_id)
    if version is None:
        raise Http404
    form = AssignmentAddForm(
        posted_data(request),
        initial={"due_on": round_due_date(review_round)},
        organisations=organisations_without_version(review_round, version),
    )
    if request.method == "POST":
        if review_round.status == ReviewRound.Status.CLOSED:
            raise Http404
        if form.is_valid():
            try:
                services.assignment_create(
                    review_round=review_round,
                    version=version,
                    due_on=form.cleaned_data["due_on"],
                    actor=request.user,
                    **form.recipient(),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Assignment added."))
                return redirect("rounds:version_assignments", review_round.slug, version.pk)
    page, pages = paged(request, selectors.version_assignments(review_round, version), selectors.ASSIGNMENTS_PER_PAGE)
    return render(
        request,
        "rounds/version_assignments.html",
        {
            "review_round": review_round,
            "version": version,
            "form": form,
            "page": page,
            "pagination": pages,
            "editable": review_round.status != ReviewRound.Status.CLOSED,
        },
    )


@require_GET
@admin_only
def organisation_assignments(request, round_slug: str, organisation_slug: str):
    review_round = round_or_404(round_slug)
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None:
        raise Http404
    page, pages = paged(
        request, selectors.organisation_assignments(review_round, organisation), selectors.ASSIGNMENTS_PER_PAGE
    )
    return render(
        request,
        "rounds/organisation_assignments.html",
        {
            "review_round": review_round,
            "organisation": organisation,
            "page": page,
            "pagination": pages,
            "editable": review_round.status != ReviewRound.Status.CLOSED,
        },
    )


def _assignment_or_404(review_round, assignment_id: int, *, changing: bool):
    assignment = selectors.round_assignment(review_round, assignment_id)
    if assignment is None or (changing and review_round.status == ReviewRound.Status.CLOSED):
        raise Http404
    return assignment


def _assignment_page(request, template, review_round, assignment, form=None):
    default = reverse("rounds:version_assignments", args=[review_round.slug, assignment.version_id])
    return render(
        request,
        template,
        {"review_round": review_round, "assignment": assignment, "form": form, "back": _back(request, default)},
    )


@require_http_methods(["GET", "POST"])
@admin_only
def assignment_due(request, round_slug: str, assignment_id: int):
    review_round = round_or_404(round_slug)
    assignment = _assignment_or_404(review_round, assignment_id, changing=True)
    form = DueDateForm(posted_data(request), initial={"due_on": assignment.due_on})
    form.helper.form_tag = False  # the page's own form carries where to go back to
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_due_change(
                assignment=assignment, due_on=form.cleaned_data["due_on"], actor=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Due date changed."))
            return redirect(
                _back(request, reverse("rounds:version_assignments", args=[round_slug, assignment.version_id]))
            )
    return _assignment_page(request, "rounds/assignment_due.html", review_round, assignment, form)


@require_http_methods(["GET", "POST"])
@admin_only
def assignment_reassign(request, round_slug: str, assignment_id: int):
    review_round = round_or_404(round_slug)
    assignment = _assignment_or_404(review_round, assignment_id, changing=True)
    form = ReassignForm(posted_data(request))
    form.helper.form_tag = False  # the page's own form carries where to go back to
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_reassign(assignment=assignment, actor=request.user, **form.recipient())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Assignment moved."))
            return redirect(
                _back(request, reverse("rounds:version_assignments", args=[round_slug, assignment.version_id]))
            )
    return _assignment_page(request, "rounds/assignment_reassign.html", review_round, assignment, form)


@require_http_methods(["GET", "POST"])
@admin_only
def assignment_remove(request, round_slug: str, assignment_id: int):
    review_round = round_or_404(round_slug)
    assignment = _assignment_or_404(review_round, assignment_id, changing=True)
    if request.method == "POST":
        back = _back(request, reverse("rounds:version_assignments", args=[round_slug, assignment.version_id]))
        services.assignment_remove(assignment=assignment, actor=request.user)
        messages.success(request, _("Assignment removed."))
        return redirect(back)
    return _assignment_page(request, "rounds/assignment_remove.html", review_round, assignment)
