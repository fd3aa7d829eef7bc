"""A database built while accounts lived in the audiences app comes to the new layout with
`manage.py migrate`, on SQLite and PostgreSQL: the people, their memberships, their recovery codes
and their sign-in all still work, the group permissions on their content type follow it, and audit
rows written under the old label (audiences.user) still show the person on the audit page and in
its CSV.

The old layout is the database with every migration applied except those of the move
(accounts.0002_as_audiences_left_them and audiences.0006_accounts_moved_out), and with
accounts.0001_initial, which changes nothing in the database, not recorded either: exactly what
migrations up to audiences.0005_text_limits left. Its rows are written through the models as
those migrations describe them (audiences.User)."""

import csv
import io

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from accounts import recovery_codes, two_factor
from accounts.models import RecoveryCodeDevice, User
from audiences.models import Audience, Membership
from bold_portal.models import AuditEvent
from tests.factories import make_admin
from tests.two_factor import force_login_password_only

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ACCOUNTS_FIRST = ("accounts", "0001_initial")
MOVE = [("accounts", "0002_as_audiences_left_them"), ("audiences", "0006_accounts_moved_out")]
BEFORE_THE_MOVE = ("audiences", "0005_text_limits")
PASSWORD = "correct-horse-battery"
CODES = ["3f9a1c72be", "0b5d27e4a9"]


@pytest.fixture
def old_layout():
    """The database as migrations before the move left it, and the models as they described it."""
    ContentType.objects.clear_cache()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_THE_MOVE, ACCOUNTS_FIRST])
    MigrationRecorder(connection).record_unapplied(*ACCOUNTS_FIRST)
    executor = MigrationExecutor(connection)
    # Going back to before the move also unapplied every later migration that needs it (of any app).
    applied = [node for node in executor.loader.applied_migrations if node in executor.loader.graph.nodes]
    yield executor.loader.project_state(applied).apps
    ContentType.objects.clear_cache()


def _old_rows(old):
    """A reviewer and an analyst with two recovery codes, their places, a group permission on the
    user's content type, and audit rows about the reviewer, written as the old layout did."""
    user_type = old.get_model("contenttypes", "ContentType").objects.get(app_label="audiences", model="user")
    users = old.get_model("audiences", "User").objects
    reviewer = users.create(email="sam@crisis.example", full_name="Sam Jones", password=make_password(PASSWORD))
    analyst = users.create(email="ana@bold.example", full_name="Ana Analyst", password=make_password(PASSWORD))
    audience = old.get_model("audiences", "Audience").objects.create(name="Homelessness", slug="homelessness")
    audience.authors.add(analyst)
    crisis = old.get_model("audiences", "Organisation").objects.create(name="Crisis", slug="crisis")
    crisis.audiences.add(audience)
    old.get_model("audiences", "Membership").objects.create(user=reviewer, organisation=crisis, role="lead")
    readers = old.get_model("auth", "Group").objects.create(name="People readers")
    view_user, _created = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=user_type, codename="view_user", defaults={"name": "Can view person"}
    )
    readers.permissions.add(view_user)
    reviewer.groups.add(readers)
    analyst.groups.add(old.get_model("auth", "Group").objects.get_or_create(name="Analysts")[0])
    old.get_model("otp_totp", "TOTPDevice").objects.create(
        user_id=analyst.pk, name=two_factor.APP_DEVICE_NAME, confirmed=True
    )
    device = old.get_model("audiences", "RecoveryCodeDevice").objects.create(
        user=analyst, name=two_factor.RECOVERY_DEVICE_NAME, confirmed=True
    )
    for code in CODES:
        salt = recovery_codes.new_salt()
        device.codes.create(salt=salt, code_hash=recovery_codes.code_digest(code, salt=salt))
    events = old.get_model("bold_portal", "AuditEvent").objects
    events.create(
        actor_id=analyst.pk,
        action="account_switched_on",
        object_type="audiences.user",
        object_id=str(reviewer.pk),
        data={"before": {"is_active": False}, "after": {"is_active": True}},
    )
    return reviewer.pk, analyst.pk, device.pk


def test_migrate_brings_a_database_of_the_old_layout_to_the_new_one_with_its_data(client, old_layout):
    reviewer_pk, analyst_pk, device_pk = _old_rows(old_layout)
    with pytest.raises(InconsistentMigrationHistory):  # what Django's own migrate would stop at
        MigrationExecutor(connection).loader.check_consistent_history(connection)

    output = io.StringIO()
    call_command("migrate", "--no-input", stdout=output)

    assert "Recorded accounts.0001_initial as applied" in output.getvalue()
    applied = MigrationRecorder(connection).applied_migrations()
    assert ACCOUNTS_FIRST in applied and all(key in applied for key in MOVE)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert not ContentType.objects.filter(app_label="audiences", model__in=["user", "recoverycodedevice"]).exists()

    reviewer, analyst = User.objects.get(pk=reviewer_pk), User.objects.get(pk=analyst_pk)
    assert (reviewer.email, reviewer.full_name) == ("sam@crisis.example", "Sam Jones")
    membership = Membership.objects.get(user=reviewer)
    assert (membership.organisation.name, membership.role) == ("Crisis", "lead")
    assert list(Audience.objects.filter(authors=analyst).values_list("slug", flat=True)) == ["homelessness"]
    assert reviewer.has_perm("accounts.view_user"), "the group's permission followed the content type"

    signed_in = client.post(reverse("login"), {"username": "SAM@crisis.example", "password": PASSWORD})
    assert signed_in.status_code == 302 and int(client.session["_auth_user_id"]) == reviewer_pk

    analyst_client = type(client)()
    force_login_password_only(analyst_client, analyst)
    used = analyst_client.post(reverse("accounts:two_factor_recovery"), {"code": CODES[0]})
    assert used.status_code == 302, "a recovery code made before the move passes the code step"
    assert RecoveryCodeDevice.objects.get(pk=device_pk).codes.count() == 1

    client.force_login(make_admin())
    page = client.get(reverse("manage_audit"), {"object_type": "accounts.user", "object_id": reviewer_pk})
    assert page.status_code == 200
    assert f"Person {reviewer_pk}" in page.text and "Account switched on" in page.text
    assert f"?object_type=accounts.user&amp;object_id={reviewer_pk}" in page.text
    kinds = client.get(reverse("manage_audit")).text
    assert kinds.count('value="accounts.user"') == 1 and 'value="audiences.user"' not in kinds
    download = client.get(reverse("manage_audit_download"), {"object_type": "accounts.user"})
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    [row] = [row for row in rows[1:] if row[2] == "account_switched_on"]
    assert (row[5], row[6]) == ("Person", str(reviewer_pk))
    assert AuditEvent.objects.get(action="account_switched_on").object_type == "audiences.user", "rows never change"


def test_migrate_on_a_database_of_the_new_layout_records_nothing():
    output = io.StringIO()

    call_command("migrate", "--no-input", stdout=output)

    assert "Recorded" not in output.getvalue()
    assert "No migrations to apply." in output.getvalue()
