"""Exports that stream and stay bounded: the verdicts CSV is streamed to the person and kept
nowhere; the CSV, JSON and verdicts CSV hold exactly what the simple way of writing them held; a
PDF holds at most the number of use cases its page states; exports run on a queue of their own,
with a time limit; expired exports are purged nightly (docs/analysts.md, docs/deployment.md)."""

import csv
import datetime
import importlib
import io
import json
from pathlib import Path

import pytest
import yaml
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.services.personal_data import personal_data_purge
from bold_portal.celery import app as celery_app
from bold_portal.models import AuditEvent
from bold_portal.roles import ANALYSTS
from bold_portal.spreadsheet import neutralise
from matrix import tasks
from matrix.exporters.data import CSV_BOM
from matrix.exporters.registry import EXPORTERS
from matrix.models import MatrixExport
from matrix.selectors.exports import VERDICT_KEYS, matrix_document, matrix_table, round_verdict_rows
from matrix.services.exports import (
    EXPORT_KEEP,
    ExportNotAllowed,
    ExportTooLarge,
    matrix_export_request,
    matrix_export_run,
)
from tests.factories import make_round, make_user
from tests.matrix.test_exporters import World
from tests.pages import main_content

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def world(db):
    return World(housing_title="=Housing after prison", reason="-Because.")


@pytest.fixture
def analyst(db):
    person = make_user()
    person.groups.add(Group.objects.get(name=ANALYSTS))
    return person


def start_url(identifier, slug="spring"):
    return reverse("matrix:export_start", args=[slug, identifier])


def reference_csv(rows) -> bytes:
    """The CSV as the portal first wrote it: every value through neutralise, one writer."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([neutralise(value) for value in row] for row in rows)
    return CSV_BOM + buffer.getvalue().encode("utf-8")


# The verdicts CSV, streamed


def test_the_verdicts_csv_is_streamed_to_the_person_and_kept_nowhere(client, world, analyst):
    client.force_login(analyst)

    response = client.post(start_url("verdicts-csv"))

    assert isinstance(response, StreamingHttpResponse)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bold-verdicts-spring-')
    assert response["Cache-Control"] == "private, no-store"
    content = b"".join(response.streaming_content)
    # The same file as the simple way of writing it: every row through neutralise, in one piece.
    old = [list(VERDICT_KEYS), *([row[key] for key in VERDICT_KEYS] for row in round_verdict_rows(world.round))]
    assert content == reference_csv(old)
    assert "'=Housing after prison" in content.decode("utf-8-sig")  # neutralised
    assert "'-Because." in content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 1 + 6
    assert not MatrixExport.objects.exists()
    audit = AuditEvent.objects.get(action="export_downloaded")
    assert audit.actor_id == analyst.pk


def test_the_verdicts_csv_page_says_the_file_is_kept_nowhere(client, world, analyst):
    client.force_login(analyst)

    page = main_content(client.get(start_url("verdicts-csv")))

    assert "Nothing of it is kept in the portal" in page
    assert "Download the file" in page
    assert "kept in the portal for 7 days" not in page


def test_the_verdicts_csv_is_never_made_by_the_worker(world, analyst):
    with pytest.raises(ExportNotAllowed):
        matrix_export_request(review_round=world.round, identifier="verdicts-csv", user=analyst)

    assert not MatrixExport.objects.exists()


def test_the_migration_deletes_the_verdicts_csv_files_kept_in_the_database(world, analyst):
    kept = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="verdicts-csv")
    other = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="csv")
    migration = importlib.import_module("matrix.migrations.0011_verdicts_csv_not_kept")

    migration.delete_kept_verdicts_csv(django_apps, None)

    assert list(MatrixExport.objects.values_list("pk", flat=True)) == [other.pk]
    assert not MatrixExport.objects.filter(pk=kept.pk).exists()


# The matrix CSV and JSON: the same content as before


def test_the_csv_is_the_same_file_as_before(world):
    header, rows = matrix_table(matrix_document(world.round))

    assert EXPORTERS["csv"].render(world.round) == reference_csv([header, *rows])


def test_the_json_holds_the_same_document_as_before_one_use_case_a_line(world):
    content = EXPORTERS["json"].render(world.round).decode()

    assert json.loads(content) == json.loads(json.dumps(matrix_document(world.round), indent=2))
    lines = content.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    row_lines = [line for line in lines if line.startswith('    {"audience"')]
    assert len(row_lines) == 2  # each use case on a line of its own
    assert all(json.loads(line.strip().rstrip(",")) for line in row_lines)


def test_the_json_of_an_empty_round_is_the_same_document(db):
    review_round = make_round(slug="empty")

    content = EXPORTERS["json"].render(review_round).decode()

    assert json.loads(content) == json.loads(json.dumps(matrix_document(review_round)))
    assert '  "rows": [],' in content


# The PDF's size limit


def test_the_pdf_page_states_its_limit_and_offers_the_file_within_it(client, world, analyst, settings):
    settings.EXPORT_PDF_MAX_USE_CASES = 2  # the round has 2 use cases
    client.force_login(analyst)

    response = client.get(start_url("pdf"))
    page = main_content(response)

    assert response.status_code == 200
    assert "A PDF holds at most 2 use cases" in page
    assert "Create the file" in page
    assert client.post(start_url("pdf")).status_code == 302
    assert MatrixExport.objects.get().exporter == "pdf"


def test_a_pdf_above_the_limit_is_refused_with_a_clear_error_and_nothing_made(client, world, analyst, settings):
    settings.EXPORT_PDF_MAX_USE_CASES = 1
    client.force_login(analyst)

    page = main_content(client.get(start_url("pdf")))
    assert "A PDF holds at most 1 use cases" in page
    assert "this one would hold 2" in page
    assert "Create the file" not in page  # no button for a file that would be refused

    response = client.post(start_url("pdf"))

    assert response.status_code == 400
    assert response.content.decode().split("<title>")[1].startswith("Error: ")
    assert "govuk-error-summary" in response.content.decode()
    assert "Choose one audience, or filter the matrix page to 1 use cases or fewer" in main_content(response)
    assert not MatrixExport.objects.exists()


def test_a_view_within_the_limit_may_be_a_pdf(client, world, analyst, settings):
    settings.EXPORT_PDF_MAX_USE_CASES = 1
    client.force_login(analyst)

    response = client.post(start_url("pdf") + "?audience=victims")

    assert response.status_code == 302
    assert MatrixExport.objects.get().view_query == "audience=victims"


def test_the_other_formats_have_no_limit(world, analyst, settings):
    settings.EXPORT_PDF_MAX_USE_CASES = 1

    export = matrix_export_request(review_round=world.round, identifier="xlsx", user=analyst)

    assert export.pk


def test_the_service_refuses_a_pdf_above_the_limit(world, analyst, settings):
    settings.EXPORT_PDF_MAX_USE_CASES = 1

    with pytest.raises(ExportTooLarge) as refused:
        matrix_export_request(review_round=world.round, identifier="pdf", user=analyst)

    assert (refused.value.count, refused.value.limit) == (2, 1)
    assert not MatrixExport.objects.exists()


def test_a_round_that_grew_past_the_limit_fails_the_pdf_with_the_reason(world, analyst, settings):
    export = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="pdf")
    settings.EXPORT_PDF_MAX_USE_CASES = 1

    matrix_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == MatrixExport.Status.FAILED
    assert "A PDF holds at most 1 use cases, and this one would hold 2" in export.error_message


# The queue and the time limit


def test_exports_go_to_a_queue_of_their_own_and_recomputes_do_not():
    assert settings.EXPORTS_QUEUE == "exports"
    assert settings.CELERY_TASK_ROUTES == {"matrix.tasks.run_matrix_export": {"queue": "exports"}}
    router = celery_app.amqp.Router()
    assert router.route({}, tasks.run_matrix_export.name)["queue"].name == "exports"
    assert router.route({}, tasks.recompute_matrix.name)["queue"].name == celery_app.conf.task_default_queue
    assert router.route({}, tasks.refresh_matrix_agreement.name)["queue"].name != "exports"


def test_exports_have_a_time_limit_below_the_brokers_redelivery():
    assert tasks.run_matrix_export.soft_time_limit == settings.EXPORT_SOFT_TIME_LIMIT_SECONDS
    assert tasks.run_matrix_export.time_limit > tasks.run_matrix_export.soft_time_limit
    assert tasks.run_matrix_export.time_limit < settings.BROKER_VISIBILITY_TIMEOUT_SECONDS
    assert tasks.recompute_matrix.soft_time_limit is None


def test_the_embedded_default_stays_eager():
    # Without a broker (the tests' settings, as `make run`'s), tasks run in-process whatever their queue.
    assert celery_app.conf.task_always_eager


def test_an_export_stopped_by_its_time_limit_says_so(world, analyst, monkeypatch):
    def too_slow(self, review_round, view=None):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(type(EXPORTERS["xlsx"]), "render", too_slow)
    export = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="xlsx")

    matrix_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.status == MatrixExport.Status.FAILED
    assert export.error_message.startswith("The file took too long to make")


def test_the_deployment_runs_a_worker_for_the_exports_queue_apart_from_the_default_one():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "--queues exports" in services["export-worker"]["command"]
    assert "--queues celery" in services["worker"]["command"]
    assert "exports" not in services["worker"]["command"]
    harness = (ROOT / "drills" / "harness.py").read_text()
    assert '"--queues", "exports"' in harness and '"--queues", "celery"' in harness
    deployment = (ROOT / "docs" / "deployment.md").read_text()
    assert "worker --queues exports" in deployment and "worker --queues celery" in deployment


def test_the_limits_the_docs_state_are_the_settings():
    deployment = (ROOT / "docs" / "deployment.md").read_text()
    analysts = (ROOT / "docs" / "analysts.md").read_text()
    limit, seconds = settings.EXPORT_PDF_MAX_USE_CASES, settings.EXPORT_SOFT_TIME_LIMIT_SECONDS
    assert f"`EXPORT_PDF_MAX_USE_CASES` ({limit}) use cases" in deployment
    assert f"`EXPORT_PDF_MAX_USE_CASES` use cases ({limit})" in analysts
    assert f"`EXPORT_SOFT_TIME_LIMIT_SECONDS` ({seconds})" in deployment
    assert f"`EXPORT_SOFT_TIME_LIMIT_SECONDS` ({seconds})" in analysts


# The nightly purge


def test_exports_older_than_a_week_are_purged_nightly(world, analyst):
    now = timezone.now()
    old = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="csv")
    recent = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="csv")
    MatrixExport.objects.filter(pk=old.pk).update(created_at=now - EXPORT_KEEP - datetime.timedelta(minutes=1))
    MatrixExport.objects.filter(pk=recent.pk).update(created_at=now - EXPORT_KEEP + datetime.timedelta(minutes=1))

    purged = personal_data_purge(now=now)

    assert purged["matrix_exports"] == 1
    assert list(MatrixExport.objects.values_list("pk", flat=True)) == [recent.pk]
