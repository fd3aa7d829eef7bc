"""The role groups and the audit trail's retention floor, which the migrations write, are there again
after a flush empties the database (as each transactional test's end does), and a floor already set
is left as it is."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal

from bold_portal.models import AuditRetention
from bold_portal.roles import GROUPS


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_role_groups_and_the_retention_floor():
    call_command("flush", interactive=False, verbosity=0)

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(GROUPS)
    assert AuditRetention.objects.get().days == settings.RETENTION_AUDIT_DAYS


@pytest.mark.django_db
def test_a_floor_already_set_and_groups_already_there_are_left_as_they_are():
    AuditRetention.objects.update(days=30)  # what audit_lockdown --retention-days 30 stores
    groups = set(Group.objects.values_list("pk", "name"))

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert AuditRetention.objects.get().days == 30
    assert set(Group.objects.values_list("pk", "name")) == groups
