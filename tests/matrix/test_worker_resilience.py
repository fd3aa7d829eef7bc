"""The worker's settings are what docs/reliability.md says, and a task delivered again after its
worker was lost does no harm."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from bold_portal.celery import app
from matrix.models import MatrixExport
from matrix.services.exports import matrix_export_run
from matrix.tasks import run_matrix_export
from tests.factories import make_principle, make_round, make_user, make_version

ROOT = Path(__file__).resolve().parents[2]


def documented_settings() -> list[tuple[str, str, str]]:
    """(setting, value, applies to) of each row of the worker's settings table."""
    text = (ROOT / "docs/reliability.md").read_text()
    table = text.split("## The worker's settings", 1)[1].split("\n\n", 2)[1]
    rows = [re.findall(r"\|\s*([^|]*?)\s*(?=\|)", line) for line in table.splitlines()[2:]]
    return [(setting.strip("`"), value.strip("`"), applies_to) for setting, value, applies_to, _why in rows]


def our_tasks() -> dict:
    app.loader.import_default_modules()
    return {name.rsplit(".", 1)[1]: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_the_worker_settings_are_what_the_reliability_doc_says():
    rows = documented_settings()
    assert [setting for setting, _, _ in rows] == [
        "task_acks_late",
        "task_reject_on_worker_lost",
        "broker_transport_options.visibility_timeout",
        "worker_prefetch_multiplier",
        "worker_cancel_long_running_tasks_on_connection_loss",
    ]
    tasks = our_tasks()
    for setting, value, applies_to in rows:
        expected = {"True": True, "False": False}.get(value, value if not value.isdigit() else int(value))
        if applies_to == "every task":
            name, _, option = setting.partition(".")
            configured = app.conf[name][option] if option else app.conf[name]
            assert configured == expected, setting
        else:
            named = re.findall(r"`(\w+)`", applies_to)
            option = setting.removeprefix("task_")
            assert {name for name, task in tasks.items() if getattr(task, option) is expected} == set(named), setting


def test_the_tasks_put_back_are_acknowledged_late_whatever_the_default():
    tasks = our_tasks()
    for name in ("recompute_matrix", "recompute_waiting_versions", "refresh_matrix_agreement", "run_matrix_export"):
        assert tasks[name].acks_late is True, name


@pytest.fixture
def export(db):
    principle, version = make_principle(), make_version()
    review_round = make_round(principles=[principle], versions=[version])
    return MatrixExport.objects.create(round=review_round, requested_by=make_user(), exporter="csv")


def test_an_export_its_lost_worker_had_started_is_marked_failed_for_the_person_to_start_again(export):
    MatrixExport.objects.filter(pk=export.pk).update(status=MatrixExport.Status.RUNNING, started_at=timezone.now())

    assert matrix_export_run(export_id=export.pk, redelivered=True) is None

    export.refresh_from_db()
    assert export.status == MatrixExport.Status.FAILED
    assert export.finished_at is not None
    assert export.error_message == (
        "The file was not finished: the export was interrupted. Start the export again. "
        "If it is interrupted again, tell the BOLD programme team."
    )


def test_a_second_delivery_while_a_live_worker_makes_the_export_changes_nothing(export):
    MatrixExport.objects.filter(pk=export.pk).update(status=MatrixExport.Status.RUNNING, started_at=timezone.now())

    assert matrix_export_run(export_id=export.pk) is None

    export.refresh_from_db()
    assert export.status == MatrixExport.Status.RUNNING


def test_an_export_whose_message_comes_back_before_any_worker_started_it_is_made(export):
    made = matrix_export_run(export_id=export.pk, redelivered=True)

    assert made.status == MatrixExport.Status.READY
    assert made.size > 0


def test_a_failed_or_ready_export_delivered_again_stays_as_it_is(export):
    made = matrix_export_run(export_id=export.pk)

    assert matrix_export_run(export_id=export.pk, redelivered=True) is None
    export.refresh_from_db()
    assert (export.status, export.size) == (MatrixExport.Status.READY, made.size)


def test_the_export_task_passes_on_the_brokers_redelivered_mark(export):
    MatrixExport.objects.filter(pk=export.pk).update(status=MatrixExport.Status.RUNNING, started_at=timezone.now())
    run_matrix_export.push_request(delivery_info={"redelivered": True})
    try:
        run_matrix_export.run(export.pk)
    finally:
        run_matrix_export.pop_request()

    export.refresh_from_db()
    assert export.status == MatrixExport.Status.FAILED
