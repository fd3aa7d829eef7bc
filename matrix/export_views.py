"""Downloading a round's matrix from the browser: start an export (a confirmation page, then a
POST), watch it being made (a status page that refreshes itself, without JavaScript), download it.

The file is made by a Celery task (matrix.services.matrix_export_run) on the exports queue; in eager
mode, and so for small rounds on a laptop, it is ready by the time the status page opens. A streamed
format (the verdicts CSV) is sent in answer to the start page's POST as it is written, and kept
nowhere. Whoever may not use a
format, or see an export, gets a 404, as for any page they have no part in.
"""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from matrix.exporters.base import Exporter
from matrix.exporters.registry import EXPORTERS
from matrix.models import MatrixExport
from matrix.selectors.exports import matrix_export_for
from matrix.services.exports import (
    ExportTooLarge,
    matrix_export_download,
    matrix_export_request,
    matrix_export_size_check,
    matrix_export_stream,
    matrix_export_view_form,
    matrix_export_view_query,
)
from reviews.models import ReviewRound

# Seconds between two loads of the status page while the file is being made.
REFRESH_SECONDS = 3


def _exporter(request, identifier: str) -> Exporter:
    exporter = EXPORTERS.get(identifier)
    if exporter is None or not exporter.may_use(request.user):
        raise Http404
    return exporter


def _export(request, round_slug: str, export_id: int) -> MatrixExport:
    export = matrix_export_for(user=request.user, round_slug=round_slug, export_id=export_id)
    if export is None:
        raise Http404
    return export


def export_filename(export: MatrixExport, exporter: Exporter) -> str:
    """bold-matrix-<round>-<yyyymmdd-hhmm>.<ext>, in the portal's time zone. Round slugs are ASCII
    letters, digits, hyphens and underscores, so the name is safe on every system."""
    return _filename(exporter, export.round, export.finished_at or export.created_at)


def _filename(exporter: Exporter, review_round: ReviewRound, made) -> str:
    made = timezone.localtime(made)
    return f"bold-{exporter.file_label}-{review_round.slug}-{made:%Y%m%d-%H%M}.{exporter.extension}"


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def export_start(request, round_slug: str, identifier: str):
    """GET: what the export holds, and a button. POST: start it, then the status page. The URL's
    query is the matrix page's view to export ("these N use cases"); none: the whole round. A view
    with values the page does not allow gets the page's errors, and nothing is started."""
    exporter = _exporter(request, identifier)
    review_round = get_object_or_404(ReviewRound, slug=round_slug)
    form = matrix_export_view_form(review_round=review_round, query=request.GET.urlencode())
    view_query = matrix_export_view_query(form) if exporter.filterable and not form.errors else ""
    context = {
        "review_round": review_round,
        "exporter": exporter,
        "errors": form.error_items(),
        "error_messages": [message for _field, message in form.error_items()],
        "view_query": view_query,
        "view_in_words": form.view_in_words() if view_query else "",
        "use_case_limit": f"{exporter.use_case_limit():,}" if exporter.use_case_limit() is not None else "",
        "too_large": None,
    }
    if form.errors:
        return render(request, "matrix/export_start.html", context, status=400)
    try:
        matrix_export_size_check(exporter=exporter, review_round=review_round, form=form if view_query else None)
    except ExportTooLarge as too_large:
        # The page says so and offers no button; a POST all the same is refused, nothing recorded.
        context["too_large"] = too_large
        if request.method == "POST":
            context["refused"] = True
            return render(request, "matrix/export_start.html", context, status=400)
    if request.method == "POST":
        if exporter.streamed:
            chunks = matrix_export_stream(review_round=review_round, identifier=identifier, user=request.user)
            response = StreamingHttpResponse(chunks, content_type=exporter.content_type)
            return _attachment(response, _filename(exporter, review_round, timezone.now()))
        export = matrix_export_request(
            review_round=review_round, identifier=identifier, user=request.user, view_query=view_query
        )
        return redirect("matrix:export_status", review_round.slug, export.pk)
    return render(request, "matrix/export_start.html", context)


@require_GET
def export_status(request, round_slug: str, export_id: int):
    export = _export(request, round_slug, export_id)
    in_progress = export.status in (MatrixExport.Status.PENDING, MatrixExport.Status.RUNNING)
    # ?updates=off stops the page refreshing itself (WCAG 2.2.1: a timed change the user can turn off).
    refresh = in_progress and request.GET.get("updates") != "off"
    return render(
        request,
        "matrix/export_status.html",
        {
            "export": export,
            "exporter": EXPORTERS.get(export.exporter),
            "review_round": export.round,
            "in_progress": in_progress,
            "refresh_seconds": REFRESH_SECONDS if refresh else None,
            "updates_off": in_progress and not refresh,
        },
    )


@require_GET
def export_download(request, round_slug: str, export_id: int):
    export = _export(request, round_slug, export_id)
    exporter = EXPORTERS.get(export.exporter)
    if export.status != MatrixExport.Status.READY or exporter is None:
        # Not ready yet (or no longer a format the portal makes): the status page says where it is.
        return redirect("matrix:export_status", export.round.slug, export.pk)
    content = matrix_export_download(export=export, user=request.user)
    return _attachment(HttpResponse(content, content_type=exporter.content_type), export_filename(export, exporter))
