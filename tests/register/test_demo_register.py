"""The demo publishes one public register entry (docs/demo-data.md, "The public register"), through
the management command make run calls after load_bold_report: once, and never again."""

import io

import pytest
from django.core.management import CommandError, call_command

from bold_portal.models import AuditEvent, OutboxMessage
from principles.rule import INSUFFICIENT, TICK
from register.demo import DEMO_CONDITION, DEMO_USE_CASE
from register.models import RegisterChange, RegisterEntry
from register.services import register_entry_withdraw
from reviews.demo import bold_report as report
from reviews.models import Decision, RoundVersion
from reviews.services.decisions import decision_record

pytestmark = pytest.mark.django_db


def load_register() -> str:
    out = io.StringIO()
    call_command("load_demo_register", stdout=out)
    return out.getvalue()


def test_the_demo_publishes_one_entry_for_a_decided_use_case_of_its_closed_round_once(
    client, django_capture_on_commit_callbacks
):
    # The load's matrix recompute is left queued, as when it waits for a worker.
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    assert not RegisterEntry.objects.exists() and not Decision.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        printed = load_register()
    assert f"Published the demo's register entry: /register/{DEMO_USE_CASE}/" in printed

    decision = Decision.objects.select_related("round_version__round", "decided_by").get()
    assert decision.round_version.round.slug == report.FIELDWORK_ROUND.slug
    assert decision.outcome == Decision.Outcome.GO_AHEAD_WITH_CONDITIONS
    assert decision.decided_by.email == "admin@demo.bold.example"
    entry = RegisterEntry.objects.get()
    assert (entry.use_case.slug, entry.decision, entry.status) == (DEMO_USE_CASE, decision, "published")
    outcomes = {row["name"]: row["outcome"] for row in entry.snapshot["review"]["principles"]}
    assert outcomes["Relevant"] == TICK and INSUFFICIENT not in outcomes.values()
    assert list(
        AuditEvent.objects.filter(action__in=["decision_recorded", "register_entry_published"])
        .values_list("action", flat=True)
        .order_by("pk")
    ) == ["decision_recorded", "register_entry_published"]

    # Told as every decision is: the lead of an organisation that reviewed it (the fieldwork
    # reviewers' own accounts are switched off).
    told = OutboxMessage.objects.filter(kind="decision_recorded").values_list("recipient", flat=True)
    assert list(told) == ["lead@demo.bold.example"]

    page = client.get(f"/register/{DEMO_USE_CASE}/")
    assert page.status_code == 200
    assert "Repeat homelessness" in page.text and DEMO_CONDITION in page.text
    assert "Repeat homelessness" in client.get("/register/").text

    counts = (Decision.objects.count(), RegisterEntry.objects.count(), RegisterChange.objects.count())
    audit_rows = AuditEvent.objects.count()
    published_at = entry.published_at
    with django_capture_on_commit_callbacks(execute=True):
        printed = load_register()
    assert "Nothing to change: the demo's register entry is already there." in printed
    assert (Decision.objects.count(), RegisterEntry.objects.count(), RegisterChange.objects.count()) == counts
    assert AuditEvent.objects.count() == audit_rows
    assert RegisterEntry.objects.get().published_at == published_at


def test_a_withdrawn_entry_stays_withdrawn():
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    load_register()
    entry = RegisterEntry.objects.get()
    register_entry_withdraw(entry=entry, reason="Paused while the councils agree.", actor=entry.published_by)
    assert "Nothing to change" in load_register()
    assert RegisterEntry.objects.get().status == RegisterEntry.Status.WITHDRAWN


def test_a_decision_an_admin_recorded_first_stands_and_is_not_published_unless_it_goes_ahead():
    call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())
    round_version = RoundVersion.objects.get(
        round__slug=report.FIELDWORK_ROUND.slug, version__use_case__slug=DEMO_USE_CASE
    )
    decision_record(
        review_round=round_version.round,
        version=round_version.version,
        outcome=Decision.Outcome.REVISE,
        reasons="Say more about who sees the records.",
        actor=None,
    )
    assert "Nothing to change" in load_register()
    assert Decision.objects.get().outcome == Decision.Outcome.REVISE
    assert not RegisterEntry.objects.exists()


def test_without_the_demo_data_or_its_admin_nothing_is_published():
    with pytest.raises(CommandError, match="Run load_bold_report first"):
        load_register()
    call_command("load_bold_report", stdout=io.StringIO())
    with pytest.raises(CommandError, match="loaded without the demo sign-ins"):
        load_register()
    assert not RegisterEntry.objects.exists() and not Decision.objects.exists()
