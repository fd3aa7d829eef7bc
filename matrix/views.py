"""Matrix pages. The reviewer's summary of one use case joins the reviewer pages (reviews) with
the stored matrix cells, so it lives here, in the highest app it reads. The analysts' pages (rounds,
the matrix, why a cell) read through matrix.selectors; who may see them is matrix.view_matrix."""

from urllib.parse import urlencode

import rules
from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from audiences.models import Audience
from bold_portal.pagination import pagination
from bold_portal.roles import is_admin
from matrix import charts
from matrix.disclosure import is_published
from matrix.exporters.registry import exporters_for
from matrix.forms import AudienceViewForm, MatrixFilterForm, RoundComparisonForm
from matrix.selectors import charts as chart_selectors
from matrix.selectors import summary as summary_selectors
from matrix.selectors.agreement import round_agreement
from matrix.selectors.audience_view import audience_view, reviewing_audience_choices
from matrix.selectors.cell_detail import cell_detail
from matrix.selectors.comparison import page as comparison_selectors
from matrix.selectors.matrix_page import (
    DIRECTION_ASCENDING,
    DIRECTION_DESCENDING,
    PRINCIPLE_SORT_PREFIX,
    SORT_MET,
    MatrixFilters,
    matrix_filter_options,
    matrix_page,
)
from matrix.selectors.responses import next_version_number
from matrix.selectors.rounds import round_version_count, rounds_page
from matrix.tasks import refresh_agreement_after_response
from matrix.wording import cell_rule_in_words, round_rule_in_words, share_needed_in_words
from reviews.models import Review, ReviewRound
from reviews.selectors import reviews as selectors
from reviews.selectors.decisions import decision_by_use_case, decision_for
from reviews.selectors.rounds import flag_audience_names
from reviews.views.reviews import target_context, visible_target


@require_GET
def version_summary(request, round_slug: str, use_case_slug: str, number: int):
    """What reviewers said about one use case version: its cells and the others' reasons,
    pseudonymised, once the reviewer may see them (blind rounds: after submitting)."""
    target = visible_target(request, round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    context = target_context(request, target, own)
    context["decision"] = decision_for(review_round=target.round, version=target.version)
    if not context["can_view_aggregate"]:
        return render(request, "matrix/version_summary_unavailable.html", context, status=403)
    summary = summary_selectors.version_summary(review_round=target.round, version_id=target.version.pk)
    reasons = selectors.other_reasons(target=target, exclude_review=own)
    own_verdicts = selectors.verdicts_by_principle(own)
    review_round = target.round
    submitted = selectors.submitted_review_count(target)
    own_counts = own is not None and own.status == Review.Status.SUBMITTED
    context.update(
        summary=summary,
        submitted_count=submitted,
        others_count=submitted - own_counts,
        own_counts=own_counts,
        share_needed=share_needed_in_words(review_round.threshold),
        # Once the round has closed, a reviewer who submitted follows the use case to its next
        # version: what changed, and what the authors did about each reason ("you said, we did").
        next_number=next_version_number(target.version) if own_counts and not review_round.is_open else None,
    )
    context["rows"] = [
        {
            "principle": principle,
            "cell": cell,
            "rule": cell_rule_in_words(cell, threshold=review_round.threshold, min_reviews=review_round.min_reviews)
            if cell
            else "",
            "reasons": reasons.get(principle.pk, []),
            "own": own_verdicts.get(principle.pk),
        }
        for principle in selectors.round_principles(review_round)
        for cell in [summary.cells.get(principle.pk) if summary else None]
    ]
    return render(request, "matrix/version_summary.html", context)


# --- The analysts' pages ---------------------------------------------------------------------


def analyst_only(request) -> None:
    """A 404 for anyone who may not see the matrix (so nobody learns which rounds exist)."""
    if not rules.has_perm("matrix.view_matrix", request.user):
        raise Http404


def _analyst_round(request, round_slug: str | None = None) -> ReviewRound | None:
    """analyst_only, then the round named in the URL."""
    analyst_only(request)
    if round_slug is None:
        return None
    return get_object_or_404(ReviewRound, slug=round_slug)


def _export_links(request, review_round: ReviewRound, view_query: str = "") -> list[dict]:
    """Links to the exports this person may download: of the whole round, and, given the page's
    view (its filter query), of that view for the formats that can hold one. The export pages are
    optional here: a format whose URL does not exist (yet) is left out rather than breaking the
    matrix page."""
    links = []
    for exporter in exporters_for(request.user):
        try:
            url = reverse("matrix:export_start", args=[review_round.slug, exporter.identifier])
        except NoReverseMatch:
            continue
        links.append(
            {
                "url": url,
                "view_url": f"{url}?{view_query}" if view_query and exporter.filterable else "",
                "label": exporter.verbose_name,
                "extension": exporter.extension,
            }
        )
    return links


@require_GET
def rounds(request):
    """Every review round with its state, rule, dates and progress, for analysts and admins."""
    _analyst_round(request)
    listing = rounds_page(request.GET.get("page"))
    rows = [
        {"round": summary, "rule": round_rule_in_words(threshold=summary.threshold, min_reviews=summary.min_reviews)}
        for summary in listing.rounds
    ]
    return render(
        request,
        "matrix/rounds.html",
        {"rows": rows, "page": listing.page, "pagination": pagination(request, listing.page)},
    )


# The matrix page's query keys a cell page carries back to it, so "Back to the matrix" keeps the view.
MATRIX_QUERY_KEYS = ("audience", "outcome", "principle", "mark", "search", "sort", "direction", "page")


def _sort_link(filters: MatrixFilters, key: str) -> dict:
    """A column header's link that sorts by key (lowest first; again: highest first), keeping the
    filters, landing on the table; and the header's aria-sort when the page is sorted by it."""
    query = [(name, value) for name, value in filters.as_query() if name not in ("sort", "direction")]
    ascending_now = filters.sort == key and filters.direction == DIRECTION_ASCENDING
    query.append(("sort", key))
    if ascending_now:
        query.append(("direction", DIRECTION_DESCENDING))
    aria_sort = None
    if filters.sort == key:
        aria_sort = "ascending" if ascending_now else "descending"
    return {"url": f"?{urlencode(query)}#matrix-heading", "aria_sort": aria_sort}


@require_GET
def round_matrix(request, round_slug: str):
    """The round's principle matrix: use cases grouped by audience, principles across the top,
    with filters and pages that work without JavaScript."""
    review_round = _analyst_round(request, round_slug)
    options = matrix_filter_options(review_round)
    form = MatrixFilterForm(request.GET, options=options)
    filters = form.filters()
    matrix = matrix_page(
        review_round,
        options=options,
        filters=filters,
        page_number=request.GET.get("page"),
        for_admin=is_admin(request.user),
    )
    agreement = round_agreement(review_round, state=matrix.state)
    # "These M use cases" beside the whole round, when the page shows a view of it (and is valid).
    view_query = "" if form.errors else urlencode(filters.as_query())
    response = render(
        request,
        "matrix/round_matrix.html",
        {
            "review_round": review_round,
            "matrix": matrix,
            "form": form,
            "filters": filters,
            "errors": form.error_items(),
            "is_filtered": filters != MatrixFilters(),
            "principle_headers": [
                {"principle": p, "sort": _sort_link(filters, PRINCIPLE_SORT_PREFIX + p.slug)}
                for p in options.principles
            ],
            "met_sort": _sort_link(filters, SORT_MET),
            "matrix_query": urlencode(
                filters.as_query() + ([("page", matrix.page.number)] if matrix.page.number > 1 else [])
            ),
            "pagination": pagination(request, matrix.page),
            "export_links": _export_links(request, review_round, view_query),
            "view_use_cases": matrix.page.paginator.count if view_query else None,
            "round_use_cases": round_version_count(review_round) if view_query else None,
            "groups_published": is_published(review_round),
            "agreement": agreement,
            "flag_audiences": flag_audience_names(review_round),
            "min_group": settings.ANONYMITY_MIN_GROUP,
        },
    )
    if agreement.refresh_due:
        refresh_agreement_after_response(response, round_id=review_round.pk)
    return response


@require_GET
def cell(request, round_slug: str, use_case_slug: str, number: int, principle_slug: str):
    """Why a cell has its outcome: every submitted verdict behind it, pseudonymised, and the rule."""
    review_round = _analyst_round(request, round_slug)
    detail = cell_detail(
        review_round=review_round,
        use_case_slug=use_case_slug,
        number=number,
        principle_slug=principle_slug,
        for_admin=is_admin(request.user),
    )
    if detail is None:
        raise Http404
    # The matrix's view this cell was opened from: only its own keys, encoded again.
    back_query = urlencode([(key, value) for key in MATRIX_QUERY_KEYS for value in request.GET.getlist(key)])
    decision = decision_by_use_case(review_round=review_round, use_case_slug=use_case_slug, number=number)
    return render(
        request,
        "matrix/cell.html",
        {"review_round": review_round, "detail": detail, "back_query": back_query, "decision": decision},
    )


@require_GET
def round_comparison(request):
    """Two rounds side by side: a table of use cases by principles, each cell "first round -> second
    round", or one use case across the two rounds with the counts behind each cell. The rounds are
    chosen in a GET form on the same page, so it works without JavaScript and can be shared."""
    _analyst_round(request)
    choices = comparison_selectors.comparison_round_choices()
    chosen = "a" in request.GET or "b" in request.GET
    form = RoundComparisonForm(request.GET if chosen else None, rounds=choices)
    comparison = None
    if chosen and form.is_valid():
        rounds = ReviewRound.objects.in_bulk([form.cleaned_data["a"], form.cleaned_data["b"]], field_name="slug")
        comparison = comparison_selectors.round_comparison(
            round_a=rounds[form.cleaned_data["a"]],
            round_b=rounds[form.cleaned_data["b"]],
            only_changed=form.cleaned_data["changed"],
            use_case_slug=form.cleaned_data["use_case"],
            page_number=request.GET.get("page"),
        )
        if comparison is None:
            form.use_case_not_found()
    return render(
        request,
        "matrix/round_comparison.html",
        {
            "form": form,
            "errors": form.error_items() if chosen else [],
            "comparison": comparison,
            "pagination": pagination(request, comparison.page) if comparison else None,
        },
    )


@require_GET
def round_charts(request, round_slug: str):
    """The round as charts, each with the same numbers in a table: per principle a stacked bar of
    verdicts for each use case (a page of use cases at a time), and the round's progress."""
    review_round = _analyst_round(request, round_slug)
    data = chart_selectors.round_charts(review_round, page_number=request.GET.get("page"))
    return render(
        request,
        "matrix/round_charts.html",
        {
            "review_round": review_round,
            "data": data,
            "principle_charts": charts.principle_charts(data),
            "progress_chart": charts.progress_chart(data),
            # Progress by organisation is the programme admins' own page, never an analysts' figure.
            "progress_page": is_admin(request.user),
            "pagination": pagination(request, data.page),
        },
    )


@require_GET
def round_by_audience(request, round_slug: str):
    """The round's matrix split by reviewing audience: for the audience chosen in a GET form (so it
    works without JavaScript and can be shared), each use case and principle with the verdicts of
    reviewers whose organisation serves it, and the outcome the round's rule gives them."""
    review_round = _analyst_round(request, round_slug)
    chosen = "audience" in request.GET
    form = AudienceViewForm(request.GET if chosen else None, audiences=reviewing_audience_choices())
    view = None
    if chosen and form.is_valid():
        audience = Audience.objects.get(slug=form.cleaned_data["audience"])
        view = audience_view(review_round, audience=audience, page_number=request.GET.get("page"))
    return render(
        request,
        "matrix/round_by_audience.html",
        {
            "review_round": review_round,
            "form": form,
            "errors": form.error_items() if chosen else [],
            "view": view,
            "flag_audiences": flag_audience_names(review_round),
            "min_group": settings.ANONYMITY_MIN_GROUP,
            "pagination": pagination(request, view.page) if view else None,
        },
    )
