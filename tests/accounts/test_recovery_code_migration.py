"""The migration that hashes recovery codes (audiences' *_hashed_recovery_codes): codes that
django-otp's static device kept in clear still pass the code step afterwards, once each, and their
clear text is gone from every table of the database."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts import two_factor
from accounts.models import RecoveryCode, RecoveryCodeDevice
from tests.database import tables_containing
from tests.factories import make_analyst
from tests.two_factor import app_device_for, force_login_password_only

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OLD_CODES = ["3f9a1c72be", "0b5d27e4a9"]


def _hashing_migration(executor):
    [key] = [
        key
        for key in executor.loader.disk_migrations
        if key[0] == "audiences" and key[1].endswith("_hashed_recovery_codes")
    ]
    [before] = [parent for parent in executor.loader.get_migration(*key).dependencies if parent[0] == "audiences"]
    return before


@pytest.fixture
def before_hashing():
    """The database as it was before the migration; put back to the latest afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate([_hashing_migration(executor)])
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_code_kept_in_clear_still_works_after_the_migration_and_is_gone_from_the_database(client, before_hashing):
    analyst = make_analyst(email="ana@bold.example")
    app_device_for(analyst)
    static = StaticDevice.objects.create(user=analyst, name=two_factor.RECOVERY_DEVICE_NAME, confirmed=True)
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in OLD_CODES)
    assert tables_containing(OLD_CODES[0]) == ["otp_static_statictoken"]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert not StaticToken.objects.exists() and not StaticDevice.objects.exists()
    assert [table for code in OLD_CODES for table in tables_containing(code)] == []
    device = RecoveryCodeDevice.objects.get(user=analyst)
    assert device.name == two_factor.RECOVERY_DEVICE_NAME and RecoveryCode.objects.filter(device=device).count() == 2
    force_login_password_only(client, analyst)
    used = client.post(reverse("accounts:two_factor_recovery"), {"code": OLD_CODES[0]})
    assert used.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id, "the code step is passed"
    assert two_factor.recovery_codes_left(analyst) == 1
    again = type(client)()
    force_login_password_only(again, analyst)
    assert again.post(reverse("accounts:two_factor_recovery"), {"code": OLD_CODES[0]}).status_code == 200, "used once"
