"""The audit trail: the typed list of actions, rows the database will not let anyone change, and
the admins' page and CSV download (filters, labels, 404 for others, flat query counts)."""

import ast
import csv
import datetime
import io
import pathlib
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bold_portal import audit_actions, roles
from bold_portal.audit_actions import AuditAction, UnknownAuditAction
from bold_portal.models import AuditEvent, AuditRetention, audit, audit_many
from bold_portal.services import audit_rows_purge
from reviews.models import ReviewRound
from reviews.services.rounds import round_rule_change
from tests.database import refused, triggers_on
from tests.factories import make_in_group, make_principle, make_reviewer, make_round, make_user
from tests.pages import main_content

pytestmark = pytest.mark.django_db

URL = "/manage/audit/"
DOWNLOAD = "/manage/audit/download/"
ROOT = pathlib.Path(settings.BASE_DIR)


def at(moment: datetime.datetime):
    """Rows written inside this block are dated moment (created_at is set on insert)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


# --- The typed list of actions ------------------------------------------------------------------


def test_every_registered_action_has_a_label_of_its_own():
    actions = audit_actions.all_actions()
    labels = [str(action.label) for action in actions]
    assert all(label.strip() and label[0].isupper() for label in labels)
    assert len(set(labels)) == len(labels), "two actions share a label: the filter could not tell them apart"
    assert len({action.code for action in actions}) == len(actions)


def test_the_issue_list_of_actions_is_registered():
    codes = {action.code for action in audit_actions.all_actions()}
    assert {
        "review_submitted",
        "review_changed",
        "review_withdrawn",
        "round_created",
        "round_opened",
        "round_closed",
        "round_rule_changed",
        "assignment_made",
        "assignment_removed",
        "assignment_declined",
        "assignment_reassigned",
        "membership_created",
        "membership_removed",
        "membership_role_changed",
        "invitation_sent",
        "invitation_cancelled",
        "invitation_accepted",
        "interest_declared",
        "interest_overridden",
        "export_downloaded",
        "sign_in_settings_changed",
        "account_erased",
        "audit_downloaded",
    } <= codes


def test_a_code_registered_again_with_another_label_stops_the_start():
    with pytest.raises(ImproperlyConfigured):
        audit_actions.register(AuditAction("round_opened", "Something else"))


def test_an_unknown_action_is_refused_and_writes_nothing():
    user = make_user()
    with pytest.raises(UnknownAuditAction, match="round_openned"):
        audit(actor=user, action="round_openned", obj=user)
    with pytest.raises(UnknownAuditAction):
        audit_many(actor=user, action="round_openned", objects=[])
    assert not AuditEvent.objects.exists()


def _literal_action_codes() -> set[str]:
    """Every action="..." given as a literal to audit() or audit_many() in the apps' code."""
    found = set()
    for app in ("bold_portal", "accounts", "audiences", "principles", "usecases", "reviews", "matrix"):
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                for keyword in node.keywords:
                    if keyword.arg != "action" or not isinstance(keyword.value, ast.Constant):
                        continue
                    if name in {"audit", "audit_many"}:
                        found.add(keyword.value.value)
    return found


def test_every_action_the_code_writes_is_registered():
    codes = {action.code for action in audit_actions.all_actions()}
    written = _literal_action_codes()
    assert {"round_created", "invitation_sent", "principle_created"} <= written, "the scan finds the calls"
    assert written - codes == set()


# --- Append-only in the database ----------------------------------------------------------------


def test_the_append_only_trigger_exists_after_the_migrations():
    assert "bold_portal_auditevent_append_only" in triggers_on(AuditEvent._meta.db_table)


def test_the_database_refuses_to_change_an_audit_row():
    user = make_user()
    event = audit(actor=user, action="account_switched_off", obj=user, before={"is_active": True})

    with refused(DatabaseError):
        AuditEvent.objects.filter(pk=event.pk).update(action="account_switched_on")
    with refused(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEvent._meta.db_table} SET data = '{{}}' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert (event.action, event.before) == ("account_switched_off", {"is_active": True})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite guards updates only (tests empty tables)")
def test_postgresql_refuses_to_delete_an_audit_row_outside_the_purge():
    user = make_user()
    event = audit(actor=user, action="account_switched_off", obj=user)

    with refused(DatabaseError):
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_account_with_audit_rows_cannot_be_deleted_only_erased():
    from django.db.models import ProtectedError

    user = make_user()
    audit(actor=user, action="account_switched_off", obj=user)

    with pytest.raises(ProtectedError):
        user.delete()


def _floor() -> datetime.timedelta:
    return datetime.timedelta(days=AuditRetention.objects.get().days)


def test_the_retention_floor_starts_at_the_retention_setting():
    assert AuditRetention.objects.get().days == settings.RETENTION_AUDIT_DAYS


def test_the_purge_deletes_only_rows_older_than_its_cutoff():
    user = make_user()
    now = timezone.now()
    with at(now - _floor() - datetime.timedelta(days=400)):
        old = audit(actor=user, action="account_switched_off", obj=user)
    with at(now - _floor() - datetime.timedelta(days=10)):
        kept = audit(actor=user, action="account_switched_on", obj=user)

    assert audit_rows_purge(before=now - _floor() - datetime.timedelta(days=365)) == 1

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_no_cutoff_later_than_the_retention_floor_deletes_a_younger_row():
    user = make_user()
    now = timezone.now()
    with at(now - _floor() - datetime.timedelta(days=1)):
        outlived = audit(actor=user, action="account_switched_off", obj=user)
    with at(now - _floor() + datetime.timedelta(days=1)):
        young = audit(actor=user, action="account_switched_on", obj=user)
    recent = audit(actor=user, action="account_switched_off", obj=user)

    assert audit_rows_purge(before=timezone.make_aware(datetime.datetime(2999, 1, 1))) == 1

    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {young.pk, recent.pk}
    assert not AuditEvent.objects.filter(pk=outlived.pk).exists()


def test_the_purge_reads_the_floor_from_the_database_not_the_settings(settings):
    AuditRetention.objects.update(days=30)  # what audit_lockdown --retention-days 30 stores
    settings.RETENTION_AUDIT_DAYS = 1
    user = make_user()
    now = timezone.now()
    with at(now - datetime.timedelta(days=31)):
        outlived = audit(actor=user, action="account_switched_off", obj=user)
    with at(now - datetime.timedelta(days=29)):
        young = audit(actor=user, action="account_switched_on", obj=user)

    assert audit_rows_purge(before=now - datetime.timedelta(days=1)) == 1

    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [young.pk]
    assert not AuditEvent.objects.filter(pk=outlived.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the setting was PostgreSQL's")
def test_the_session_setting_that_let_deletes_through_is_gone():
    user = make_user()
    event = audit(actor=user, action="account_switched_off", obj=user)

    with refused(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('bold_portal.audit_purge_before', '2999-01-01', true)")
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- Services record before and after -----------------------------------------------------------


def test_a_rule_change_and_opening_a_round_record_before_and_after():
    review_round = make_round(principles=[make_principle()], status=ReviewRound.Status.DRAFT, min_reviews=2)
    admin = make_in_group(roles.ADMINS)

    round_rule_change(review_round=review_round, threshold=review_round.threshold, min_reviews=3, actor=admin)
    from reviews.services.rounds import round_set_status

    round_set_status(review_round=review_round, status=ReviewRound.Status.OPEN, actor=admin)

    rule = AuditEvent.objects.get(action="round_rule_changed")
    assert (rule.before["min_reviews"], rule.after["min_reviews"]) == (2, 3)
    opened = AuditEvent.objects.get(action="round_opened")
    assert (opened.before["status"], opened.after["status"]) == ("draft", "open")
    assert opened.actor == admin


# --- The admins' page ---------------------------------------------------------------------------


def test_the_audit_trail_is_a_404_for_everyone_but_admins(client):
    for person in (make_reviewer(), make_in_group(roles.ANALYSTS), make_in_group(roles.AUTHORS)):
        client.force_login(person)
        assert client.get(URL).status_code == 404
        assert client.get(DOWNLOAD).status_code == 404
    client.logout()
    assert client.get(URL).status_code == 302  # sign in first


def test_the_admin_home_links_to_the_trail(client, admin):
    assert URL in main_content(client.get(reverse("manage_home")))


def test_the_page_shows_labels_who_and_before_and_after(client, admin):
    review_round = make_round(principles=[make_principle()], min_reviews=2, name="Spring")
    round_rule_change(review_round=review_round, threshold=review_round.threshold, min_reviews=3, actor=admin)

    page = main_content(client.get(URL))
    rows = page[page.index('id="audit-events"') :]

    assert "Round rule changed" in rows and "round_rule_changed" not in rows
    assert admin.email in page
    assert "Before: 2" in page and "After: 3" in page
    assert "Review round" in page


def _events(admin, reviewer, review_round):
    with at(timezone.make_aware(datetime.datetime(2027, 3, 1, 12))):
        audit(actor=admin, action="round_opened", obj=review_round)
    with at(timezone.make_aware(datetime.datetime(2027, 3, 15, 23, 30))):
        audit(actor=reviewer, action="review_submitted", obj=reviewer)
    with at(timezone.make_aware(datetime.datetime(2027, 4, 2, 9))):
        audit(actor=admin, action="round_closed", obj=review_round)


def _date(prefix, day, month, year):
    return {f"{prefix}_0": day, f"{prefix}_1": month, f"{prefix}_2": year}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"email": "ANN@example.org"}, {"round_opened", "round_closed"}),
        ({"action": "review_submitted"}, {"review_submitted"}),
        ({"object_type": "reviews.reviewround"}, {"round_opened", "round_closed"}),
        ({**_date("date_from", "15", "3", "2027"), **_date("date_to", "15", "3", "2027")}, {"review_submitted"}),
        (_date("date_from", "16", "3", "2027"), {"round_closed"}),
        (_date("date_to", "1", "3", "2027"), {"round_opened"}),
    ],
)
def test_the_filters_narrow_the_rows(client, query, expected):
    admin = make_in_group(roles.ADMINS)
    admin.email = "ann@example.org"
    admin.save()
    client.force_login(admin)
    review_round = make_round(principles=[make_principle()])
    _events(admin, make_reviewer(), review_round)

    response = client.get(URL, query)

    assert response.status_code == 200
    shown = {event.action for event in response.context["page_obj"].object_list}
    assert shown == expected


def test_filtering_by_one_object_shows_only_its_rows(client, admin):
    first, second = make_round(principles=[make_principle()]), make_round(principles=[make_principle()])
    audit(actor=admin, action="round_opened", obj=first)
    audit(actor=admin, action="round_opened", obj=second)

    response = client.get(URL, {"object_type": "reviews.reviewround", "object_id": str(second.pk)})

    assert [event.object_id for event in response.context["page_obj"].object_list] == [str(second.pk)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({**_date("date_from", "2", "4", "2027"), **_date("date_to", "1", "4", "2027")}, "same as or after"),
        (_date("date_from", "31", "2", "2027"), "The from date must be a real date"),
        ({"action": "no_such_action"}, "Choose an action from the list"),
    ],
)
def test_bad_filters_say_which_field_and_what_to_do(client, admin, query, message):
    response = client.get(URL, query)

    assert response.status_code == 200
    page = main_content(response)
    assert "There is a problem" in page and message in page
    assert response.context["events"] is None
    assert client.get(DOWNLOAD, query).status_code == 200  # the page again, not a file
    assert not AuditEvent.objects.filter(action="audit_downloaded").exists()


def test_the_page_makes_the_same_queries_however_many_rows(client, admin, django_assert_num_queries):
    review_round = make_round(principles=[make_principle()])
    audit(actor=admin, action="round_opened", obj=review_round)
    client.get(URL)  # warm up (sessions, the content types cache)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _n in range(30):
        audit(actor=make_user(), action="round_opened", obj=review_round, before={"status": "draft"})
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL, {"page": "2"})
    assert len(response.context["events"]) == 6


# --- The CSV download ---------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_download_streams_the_filtered_rows_with_formulas_neutralised(client, admin):
    reviewer = make_reviewer(full_name='=HYPERLINK("http://evil")')
    review_round = make_round(principles=[make_principle()])
    audit(actor=admin, action="round_opened", obj=review_round, before={"status": "draft"}, after={"status": "open"})
    audit(actor=reviewer, action="review_submitted", obj=reviewer)

    response = client.get(DOWNLOAD, {"action": "review_submitted"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[:4] == ["When (UTC)", "Action", "Action code", "Who"]
    assert [row[2] for row in rows] == ["review_submitted"]
    assert rows[0][1] == "Review submitted"
    assert rows[0][3].startswith("'=HYPERLINK")


def test_the_download_has_before_and_after_and_is_itself_recorded_without_the_address(client, admin):
    review_round = make_round(principles=[make_principle()])
    audit(actor=admin, action="round_opened", obj=review_round, before={"status": "draft"}, after={"status": "open"})

    response = client.get(DOWNLOAD, {"email": admin.email})

    opened = next(row for row in _csv(response)[1:] if row[2] == "round_opened")
    assert opened[7:9] == [review_round.name, f"Round opened: Review round {review_round.pk}: {review_round.name}"]
    assert opened[9:11] == ['{"status": "draft"}', '{"status": "open"}']
    event = AuditEvent.objects.get(action="audit_downloaded")
    assert event.actor == admin and event.object_type == ""
    assert event.data["filters"]["person"] == admin.pk
    assert admin.email not in str(event.data)
