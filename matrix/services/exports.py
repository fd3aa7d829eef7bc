"""Exports: an analyst asks for one (matrix_export_request), a Celery task makes it after the commit
(matrix_export_run), the analyst downloads it (matrix_export_download)."""

import datetime
import functools
import logging
from collections.abc import Iterator
from urllib.parse import urlencode

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.personal_data_holders import purger
from bold_portal.models import audit
from bold_portal.queueing import queue_failure_log
from matrix.exporters.base import Exporter
from matrix.exporters.registry import EXPORTERS
from matrix.forms import MatrixFilterForm
from matrix.models import MatrixExport
from matrix.selectors.exports import MatrixExportView, matrix_export_content, round_version_count
from matrix.selectors.matrix_page import matrix_filter_options, matrix_view_version_ids
from matrix.services.recompute import matrix_bring_up_to_date
from reviews.models import ReviewRound

logger = logging.getLogger(__name__)

# Exports are deleted this long after they were requested, when their requester asks for another:
# each holds pseudonymised verdicts, which should not pile up in the database.
EXPORT_KEEP = datetime.timedelta(days=7)
# A "running" export whose worker has been silent this long is taken to have died with its worker:
# a redelivered task may start it again.
EXPORT_STALE_AFTER = datetime.timedelta(minutes=30)
EXPORT_INTERRUPTED = gettext_lazy(
    "The file was not finished: the export was interrupted. Start the export again. "
    "If it is interrupted again, tell the BOLD programme team."
)


class ExportNotAllowed(Exception):
    """This person may not use this export format (or it does not exist)."""


class ExportTooLarge(Exception):
    """The format holds at most limit use cases, and the file asked for would hold count."""

    def __init__(self, *, exporter: Exporter, count: int, limit: int):
        self.count = count
        self.limit = limit
        super().__init__(
            _(
                "A %(format)s holds at most %(limit)s use cases, and this one would hold %(count)s. Choose one "
                "audience, or filter the matrix page to %(limit)s use cases or fewer, then export again. The CSV, "
                "JSON and Excel files hold the whole round."
            )
            % {"format": exporter.extension.upper(), "limit": f"{limit:,}", "count": f"{count:,}"}
        )


class ExportViewInvalid(Exception):
    """The view of the matrix page asked for has values the page does not allow."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(message for _field, message in errors))
        self.errors = errors


def matrix_export_view_form(*, review_round: ReviewRound, query: str) -> MatrixFilterForm:
    """The matrix page's filter form over a view's query, bound and validated against the round's
    audiences and principles as they are now (two queries)."""
    form = MatrixFilterForm(QueryDict(query), options=matrix_filter_options(review_round))
    form.is_valid()
    return form


def matrix_export_view_query(form: MatrixFilterForm) -> str:
    """A valid form's view as the query stored on the export (no page number; defaults left out)."""
    return urlencode(form.filters().as_query())


def matrix_export_request(*, review_round: ReviewRound, identifier: str, user, view_query: str = "") -> MatrixExport:
    """Record that user asked for the round's matrix in one format (view_query: only the use cases
    of this view of the matrix page, in its order; empty: the whole round), and queue the task
    that makes it once this transaction commits (in eager mode it runs then, before the page
    answers). Raises ExportViewInvalid, recording nothing, when the view has values the page
    does not allow."""
    exporter = EXPORTERS.get(identifier)
    if exporter is None or exporter.streamed or not exporter.may_use(user):
        raise ExportNotAllowed(identifier)
    form = None
    if view_query:
        if not exporter.filterable:
            raise ExportNotAllowed(identifier)
        form = matrix_export_view_form(review_round=review_round, query=view_query)
        if form.errors:
            raise ExportViewInvalid(form.error_items())
        view_query = matrix_export_view_query(form)
    matrix_export_size_check(exporter=exporter, review_round=review_round, form=form)
    with transaction.atomic():
        MatrixExport.objects.filter(requested_by=user, created_at__lt=timezone.now() - EXPORT_KEEP).delete()
        export = MatrixExport(round=review_round, requested_by=user, exporter=identifier, view_query=view_query)
        export.full_clean()
        export.save()
        view = {"view": view_query} if view_query else {}
        audit(actor=user, action="export_requested", obj=review_round, export_id=export.pk, format=identifier, **view)
        transaction.on_commit(functools.partial(_enqueue_export, export.pk))
    return export


def matrix_export_use_cases(*, review_round: ReviewRound, form: MatrixFilterForm | None) -> int:
    """How many use cases the file of this view of the matrix page (None: the whole round) holds."""
    if form is None:
        return round_version_count(review_round)
    options = matrix_filter_options(review_round)
    return len(matrix_view_version_ids(review_round, options=options, filters=form.filters()))


def matrix_export_size_check(*, exporter: Exporter, review_round: ReviewRound, form: MatrixFilterForm | None) -> None:
    """Raise ExportTooLarge if the format has a limit and the file would hold more use cases."""
    limit = exporter.use_case_limit()
    if limit is None:
        return
    count = matrix_export_use_cases(review_round=review_round, form=form)
    if count > limit:
        raise ExportTooLarge(exporter=exporter, count=count, limit=limit)


def matrix_export_stream(*, review_round: ReviewRound, identifier: str, user) -> Iterator[bytes]:
    """A streamed format's file (the verdicts CSV), in pieces, to send to the person as it is
    written: nothing of it is kept in the portal. The audit row saying who downloaded which round
    in which format is written first, in a transaction of its own."""
    exporter = EXPORTERS.get(identifier)
    if exporter is None or not exporter.streamed or not exporter.may_use(user):
        raise ExportNotAllowed(identifier)
    with transaction.atomic():
        audit(actor=user, action="export_downloaded", obj=review_round, round=review_round.slug, format=identifier)
    return exporter.chunks(review_round)


@purger("matrix_exports")
def matrix_exports_purge(now: datetime.datetime) -> int:
    """Nightly (accounts.personal_data_purge): exports requested more than EXPORT_KEEP ago, and so
    their files, whether or not their requester ever asks for another."""
    with transaction.atomic():
        return MatrixExport.objects.filter(created_at__lt=now - EXPORT_KEEP).delete()[0]


def _enqueue_export(export_id: int) -> None:
    from matrix.tasks import run_matrix_export  # matrix.tasks imports this module: here, to break the cycle

    try:
        run_matrix_export.delay(export_id)
    except Exception as error:
        queue_failure_log(logger, error, "Could not queue export %s; it is marked failed", export_id)
        MatrixExport.objects.filter(pk=export_id, status=MatrixExport.Status.PENDING).update(
            status=MatrixExport.Status.FAILED,
            finished_at=timezone.now(),
            error_message=str(_("The export could not be started. Try again in a few minutes.")),
        )


def matrix_export_run(*, export_id: int, redelivered: bool = False) -> MatrixExport | None:
    """Make the export's file: bring the round's matrix up to date, render it, store it. Never
    raises: a failure is recorded on the export, with a message for the person who asked, and
    logged. Returns None when the export is gone or already being made by another worker.

    redelivered: the broker delivers this message again, because the worker that had it was lost
    (docs/reliability.md). An export that worker had started is then marked failed, for the person
    to start again, rather than made again: one that kills its worker would otherwise loop."""
    started_at = timezone.now()
    waiting = Q(status=MatrixExport.Status.PENDING) | Q(
        status=MatrixExport.Status.RUNNING, started_at__lt=started_at - EXPORT_STALE_AFTER
    )
    # Claiming is one conditional UPDATE: of two deliveries of the same task, one wins.
    if not MatrixExport.objects.filter(waiting, pk=export_id).update(
        status=MatrixExport.Status.RUNNING, started_at=started_at
    ):
        if redelivered and MatrixExport.objects.filter(pk=export_id, status=MatrixExport.Status.RUNNING).update(
            status=MatrixExport.Status.FAILED, finished_at=started_at, error_message=str(EXPORT_INTERRUPTED)
        ):
            logger.warning("Export %s was interrupted (its worker was lost): marked failed.", export_id)
        return None
    export = MatrixExport.objects.select_related("round").defer("content").get(pk=export_id)
    mine = MatrixExport.objects.filter(pk=export_id, started_at=started_at, status=MatrixExport.Status.RUNNING)
    try:
        form = _checked_view(export)
    except ExportViewInvalid as invalid:
        logger.info("Export %s: its view no longer fits round %s: %s", export_id, export.round.slug, invalid)
        mine.update(
            status=MatrixExport.Status.FAILED,
            finished_at=timezone.now(),
            error_message=str(
                _(
                    "The use cases chosen on the matrix page no longer fit the round (%(errors)s). Go back to "
                    "the matrix, choose the use cases again and start a new export."
                )
                % {"errors": str(invalid)}
            ),
        )
        export.refresh_from_db(fields=["status", "finished_at", "size", "error_message"])
        return export
    try:
        # In the task, never in the request: a large round's recompute must not hold up a page.
        matrix_bring_up_to_date(review_round=export.round)
        exporter = EXPORTERS[export.exporter]
        view = None if form is None else _export_view(export, form)
        limit = exporter.use_case_limit()
        if limit is not None:
            # Checked again here: the round (or the view) may have grown since it was asked for.
            count = round_version_count(export.round) if view is None else len(view.version_ids)
            if count > limit:
                raise ExportTooLarge(exporter=exporter, count=count, limit=limit)
        content = exporter.render(export.round, view)
    except ExportTooLarge as too_large:
        _failed(mine, export_id, str(too_large))
    except SoftTimeLimitExceeded:
        logger.warning("Export %s (%s of round %s) took too long: stopped.", export_id, export.exporter, export.round)
        _failed(
            mine,
            export_id,
            str(
                _(
                    "The file took too long to make, so it was stopped. Choose fewer use cases on the matrix page "
                    "(one audience, say), then export again."
                )
            ),
        )
    except Exception:
        logger.exception("Export %s (%s of round %s) failed.", export_id, export.exporter, export.round.slug)
        mine.update(
            status=MatrixExport.Status.FAILED,
            finished_at=timezone.now(),
            error_message=str(
                _(
                    "Something went wrong while the file was being made. Start the export again. "
                    "If it goes wrong again, tell the BOLD programme team."
                )
            ),
        )
    else:
        mine.update(status=MatrixExport.Status.READY, content=content, size=len(content), finished_at=timezone.now())
        logger.info(
            "Export %s (%s of round %s) ready: %s bytes.", export_id, export.exporter, export.round, len(content)
        )
    export.refresh_from_db(fields=["status", "finished_at", "size", "error_message"])
    return export


def _failed(mine, export_id: int, message: str) -> None:
    logger.info("Export %s could not be made: %s", export_id, message)
    mine.update(status=MatrixExport.Status.FAILED, finished_at=timezone.now(), error_message=message)


def _checked_view(export: MatrixExport) -> MatrixFilterForm | None:
    """The export's view validated again against the round as it is now (an audience or a
    principle may have left it since), or None for the whole round. Raises ExportViewInvalid."""
    if not export.view_query:
        return None
    form = matrix_export_view_form(review_round=export.round, query=export.view_query)
    if form.errors:
        raise ExportViewInvalid(form.error_items())
    return form


def _export_view(export: MatrixExport, form: MatrixFilterForm) -> MatrixExportView:
    """The view's rows and order as the matrix page shows them now, under the exports' disclosure
    rule (mark filters count marks only once the round has closed, whoever asked)."""
    options = matrix_filter_options(export.round)
    ids = matrix_view_version_ids(export.round, options=options, filters=form.filters())
    return MatrixExportView(query=export.view_query, description=form.view_in_words(), version_ids=tuple(ids))


def matrix_export_download(*, export: MatrixExport, user) -> bytes:
    """The ready export's file, with an audit row saying who downloaded which round in which format."""
    if export.status != MatrixExport.Status.READY:
        raise ValueError("Only a ready export can be downloaded.")
    with transaction.atomic():
        audit(
            actor=user,
            action="export_downloaded",
            obj=export.round,
            round=export.round.slug,
            format=export.exporter,
            export_id=export.pk,
        )
    return matrix_export_content(export)
