"""Exports from the browser (matrix/export_views.py): start, status, download. Who may reach each
URL, what each page says in each state, the file's headers and the audit row.

The export task runs on commit (Celery is eager in tests): requests that start one run inside
django_capture_on_commit_callbacks(execute=True), as the real commit would."""

import copy
import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership
from bold_portal.models import AuditEvent
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS
from matrix.exporters import registry, xlsx
from matrix.models import MatrixExport
from matrix.services.exports import EXPORT_KEEP, matrix_export_request, matrix_export_run
from tests.database import shared_by_module
from tests.factories import make_reviewer, make_user
from tests.matrix.test_exporters import World
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once for the module's tests that ask for it (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(shared_world, db):
    return copy.deepcopy(shared_world)


def in_group(name, **extra):
    person = make_user(**extra)
    person.groups.add(Group.objects.get(name=name))
    return person


@pytest.fixture
def analyst():
    return in_group(ANALYSTS)


def start_url(slug="spring", identifier="xlsx"):
    return reverse("matrix:export_start", args=[slug, identifier])


def status_url(export, slug="spring"):
    return reverse("matrix:export_status", args=[slug, export.pk])


def download_url(export, slug="spring"):
    return reverse("matrix:export_download", args=[slug, export.pk])


def start(client, django_capture_on_commit_callbacks, identifier="xlsx"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start_url(identifier=identifier))
    return response


def ready_export(world, user, identifier="xlsx") -> MatrixExport:
    """An export made the way the task makes it."""
    export = MatrixExport.objects.create(round=world.round, requested_by=user, exporter=identifier)
    matrix_export_run(export_id=export.pk)
    export.refresh_from_db()
    return export


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main_content(response)))


# The journey


def test_the_start_page_explains_and_asks_before_creating_anything(client, world, analyst):
    client.force_login(analyst)

    response = client.get(start_url())

    assert response.status_code == 200
    page = text(response)
    assert "Export the matrix: Excel workbook (XLSX)" in page
    assert "Spring round" in page
    assert "Create the file" in page
    assert 'method="post"' in main_content(response)
    assert reverse("matrix:round_matrix", args=["spring"]) in main_content(response)
    assert not MatrixExport.objects.exists()


def test_starting_an_export_makes_the_file_and_shows_the_status_page(
    client, world, analyst, django_capture_on_commit_callbacks
):
    client.force_login(analyst)

    response = start(client, django_capture_on_commit_callbacks)

    export = MatrixExport.objects.get()
    assert response.status_code == 302
    assert response.url == status_url(export)
    assert (export.round, export.requested_by, export.exporter) == (world.round, analyst, "xlsx")
    assert export.status == MatrixExport.Status.READY
    assert export.finished_at is not None and export.size == len(export.content)
    requested = AuditEvent.objects.get(action="export_requested")
    assert requested.actor == analyst
    assert requested.data == {"export_id": export.pk, "format": "xlsx", "object_name": world.round.name}

    page = client.get(response.url)

    assert page.status_code == 200
    assert "Your file is ready" in text(page)
    assert download_url(export) in main_content(page)
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_the_download_is_the_file_with_safe_headers_and_an_audit_row(client, world, analyst):
    export = ready_export(world, analyst)
    client.force_login(analyst)

    response = client.get(download_url(export))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    stamp = timezone.localtime(export.finished_at).strftime("%Y%m%d-%H%M")
    assert response["Content-Disposition"] == f'attachment; filename="bold-matrix-spring-{stamp}.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Matrix", "Matrix data", "Verdicts", "About"]
    audit = AuditEvent.objects.get(action="export_downloaded")
    assert audit.actor == analyst
    assert (audit.object_type, audit.object_id) == ("reviews.reviewround", str(world.round.pk))
    assert audit.data == {"round": "spring", "format": "xlsx", "export_id": export.pk, "object_name": world.round.name}


def test_every_download_is_audited(client, world, analyst):
    export = ready_export(world, analyst)
    client.force_login(analyst)

    client.get(download_url(export))
    client.get(download_url(export))

    assert AuditEvent.objects.filter(action="export_downloaded").count() == 2


@pytest.mark.parametrize(
    ("identifier", "content_type", "name"),
    [
        ("csv", "text/csv; charset=utf-8", "bold-matrix-spring-{}.csv"),
        ("json", "application/json", "bold-matrix-spring-{}.json"),
        ("pdf", "application/pdf", "bold-matrix-spring-{}.pdf"),
        ("verdicts-csv", "text/csv; charset=utf-8", "bold-verdicts-spring-{}.csv"),
    ],
)
def test_every_format_downloads(client, world, analyst, identifier, content_type, name, monkeypatch):
    # The XLSX and PDF say when they were generated, to the minute: both renders happen "now".
    moment = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: moment)
    export = ready_export(world, analyst, identifier)
    client.force_login(analyst)

    response = client.get(download_url(export))

    assert response["Content-Type"] == content_type
    stamp = timezone.localtime(export.finished_at).strftime("%Y%m%d-%H%M")
    assert response["Content-Disposition"] == f'attachment; filename="{name.format(stamp)}"'
    assert response.content == registry.EXPORTERS[identifier].render(world.round)


# Waiting, and failing


def test_a_pending_export_refreshes_its_status_page_until_it_is_ready(client, world, analyst):
    export = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="pdf")
    client.force_login(analyst)

    response = client.get(status_url(export))

    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in response.content.decode()
    assert "Your file is being made" in text(response)
    assert "Stop this page checking by itself" in text(response)

    export.status = MatrixExport.Status.RUNNING
    export.started_at = timezone.now()
    export.save()
    assert 'http-equiv="refresh"' in client.get(status_url(export)).content.decode()


def test_the_status_page_stops_refreshing_when_asked(client, world, analyst):
    export = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="pdf")
    client.force_login(analyst)

    response = client.get(status_url(export) + "?updates=off")

    assert 'http-equiv="refresh"' not in response.content.decode()
    assert "no longer checks by itself" in text(response)
    assert 'href="?updates=off"' in main_content(response)  # "Check again" keeps it off


def test_downloading_an_export_that_is_not_ready_shows_the_status_page(client, world, analyst):
    export = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="xlsx")
    client.force_login(analyst)

    response = client.get(download_url(export), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(status_url(export), 302)]
    assert "Your file is being made" in text(response)
    assert not AuditEvent.objects.filter(action="export_downloaded").exists()


def test_a_failed_export_says_so_and_offers_to_start_again(
    client, world, analyst, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(self, review_round):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(xlsx.XlsxExporter, "render", broken)
    client.force_login(analyst)

    response = start(client, django_capture_on_commit_callbacks)
    page = client.get(response.url)

    export = MatrixExport.objects.get()
    assert export.status == MatrixExport.Status.FAILED
    assert export.content is None
    assert "Something went wrong while the file was being made" in export.error_message
    assert "disk on fire" not in export.error_message
    assert page.status_code == 200
    assert "The file could not be made" in text(page)
    assert "Start the export again" in text(page)
    assert f'action="{start_url()}"' in main_content(page)
    assert 'http-equiv="refresh"' not in page.content.decode()
    assert client.get(download_url(export)).status_code == 302


def test_an_export_that_cannot_be_queued_fails_with_a_message(
    client, world, analyst, monkeypatch, django_capture_on_commit_callbacks
):
    from matrix import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(tasks.run_matrix_export, "delay", broker_down)
    client.force_login(analyst)

    start(client, django_capture_on_commit_callbacks)

    export = MatrixExport.objects.get()
    assert export.status == MatrixExport.Status.FAILED
    assert export.error_message == "The export could not be started. Try again in a few minutes."


def test_the_task_brings_a_stale_matrix_up_to_date_first(world, analyst):
    world.submit(world.cy, world.housing_case, "does_not_meet", "does_not_meet")  # after the fixture's recompute

    export = ready_export(world, analyst, "json")

    assert b'"does_not_meet": 1' in export.content
    document = registry.EXPORTERS["json"].render(world.round)
    assert bytes(export.content) == document


def test_an_export_runs_once(world, analyst):
    export = MatrixExport.objects.create(round=world.round, requested_by=analyst, exporter="csv")

    assert matrix_export_run(export_id=export.pk) is not None
    assert matrix_export_run(export_id=export.pk) is None  # a second delivery of the task
    assert matrix_export_run(export_id=export.pk + 1000) is None  # gone


def test_a_running_export_abandoned_by_its_worker_may_be_run_again(world, analyst):
    export = MatrixExport.objects.create(
        round=world.round,
        requested_by=analyst,
        exporter="csv",
        status=MatrixExport.Status.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )

    assert matrix_export_run(export_id=export.pk).status == MatrixExport.Status.READY


def test_exports_older_than_a_week_are_deleted_when_their_requester_asks_again(world, analyst):
    old = ready_export(world, analyst)
    MatrixExport.objects.filter(pk=old.pk).update(created_at=timezone.now() - EXPORT_KEEP - datetime.timedelta(hours=1))
    someone_elses = ready_export(world, in_group(ANALYSTS))
    MatrixExport.objects.filter(pk=someone_elses.pk).update(created_at=old.created_at - EXPORT_KEEP)

    matrix_export_request(review_round=world.round, identifier="csv", user=analyst)

    assert not MatrixExport.objects.filter(pk=old.pk).exists()
    assert MatrixExport.objects.filter(pk=someone_elses.pk).exists()


# Who may reach what


def people():
    return {
        "reviewer": lambda: make_reviewer(),
        "lead": lambda: make_reviewer(role=Membership.Role.LEAD),
        "author": lambda: in_group(AUTHORS),
        "nobody": lambda: make_user(),
    }


@pytest.mark.parametrize("who", list(people()))
def test_reviewers_leads_authors_and_others_reach_no_export_url(client, world, analyst, who):
    export = ready_export(world, analyst)
    client.force_login(people()[who]())

    assert client.get(start_url()).status_code == 404
    assert client.post(start_url()).status_code == 404
    assert client.get(status_url(export)).status_code == 404
    assert client.get(download_url(export)).status_code == 404
    assert MatrixExport.objects.count() == 1
    assert not AuditEvent.objects.filter(action="export_downloaded").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, world, analyst):
    export = ready_export(world, analyst)

    for url in (start_url(), status_url(export), download_url(export)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    assert client.post(start_url()).status_code == 302
    assert MatrixExport.objects.count() == 1


def test_another_analyst_cannot_see_or_download_someone_elses_export(client, world, analyst):
    export = ready_export(world, analyst)
    client.force_login(in_group(ANALYSTS))

    assert client.get(status_url(export)).status_code == 404
    assert client.get(download_url(export)).status_code == 404
    assert not AuditEvent.objects.filter(action="export_downloaded").exists()


def test_an_admin_may_see_and_download_anyones_export(client, world, analyst):
    export = ready_export(world, analyst)
    admin = in_group(ADMINS)
    client.force_login(admin)

    assert client.get(status_url(export)).status_code == 200
    assert client.get(download_url(export)).status_code == 200
    assert AuditEvent.objects.get(action="export_downloaded").actor == admin


def test_an_analyst_who_left_the_analysts_no_longer_reaches_their_export(client, world, analyst):
    export = ready_export(world, analyst)
    analyst.groups.clear()
    client.force_login(analyst)

    assert client.get(status_url(export)).status_code == 404
    assert client.get(download_url(export)).status_code == 404


# Bad input


def test_an_unknown_format_is_not_found(client, world, analyst):
    client.force_login(analyst)

    assert client.get(start_url(identifier="docx")).status_code == 404
    assert client.post(start_url(identifier="docx")).status_code == 404
    assert not MatrixExport.objects.exists()


def test_an_unknown_round_is_not_found(client, world, analyst):
    client.force_login(analyst)

    assert client.get(start_url(slug="autumn")).status_code == 404
    assert client.post(start_url(slug="autumn")).status_code == 404


def test_an_export_under_another_rounds_slug_or_an_unknown_id_is_not_found(client, world, analyst):
    export = ready_export(world, analyst)
    client.force_login(analyst)

    assert client.get(status_url(export, slug="autumn")).status_code == 404
    assert client.get(download_url(export, slug="autumn")).status_code == 404
    assert client.get(reverse("matrix:export_status", args=["spring", export.pk + 1000])).status_code == 404


def test_the_status_and_download_pages_only_answer_get(client, world, analyst):
    export = ready_export(world, analyst)
    client.force_login(analyst)

    assert client.post(status_url(export)).status_code == 405
    assert client.post(download_url(export)).status_code == 405


def test_the_export_model_refuses_impossible_states(world, analyst):
    from django.core.exceptions import ValidationError

    export = MatrixExport(round=world.round, requested_by=analyst, exporter="csv", status="ready")
    with pytest.raises(ValidationError, match="A ready export must have its file"):
        export.full_clean()
    export.status = "failed"
    with pytest.raises(ValidationError, match="must say why and when it stopped"):
        export.full_clean()
    export.status = "lost"
    with pytest.raises(ValidationError):
        export.full_clean()
