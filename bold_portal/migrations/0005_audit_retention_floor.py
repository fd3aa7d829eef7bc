"""The audit trail's retention floor, stored in the database (set from RETENTION_AUDIT_DAYS), and,
on PostgreSQL, the purge function and the trigger rule that let nothing younger than the floor be
deleted (bold_portal.audit_database). Replaces the transaction-local setting that let any DELETE
through."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models

from bold_portal.audit_database import audit_retention_guards


def set_floor(apps, schema_editor):
    apps.get_model("bold_portal", "AuditRetention").objects.create(id=1, days=settings.RETENTION_AUDIT_DAYS)


class Migration(migrations.Migration):

    dependencies = [
        ('bold_portal', '0004_audit_append_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditRetention',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ('days', models.PositiveIntegerField(validators=[django.core.validators.MinValueValidator(1)], verbose_name='days')),
            ],
            options={
                'verbose_name': 'audit retention floor',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_retention_one_row', violation_error_message='The audit trail has one retention floor: change it, do not add another.'), models.CheckConstraint(condition=models.Q(('days__gte', 1)), name='audit_retention_at_least_a_day', violation_error_message='Keep audit rows for at least 1 day.')],
            },
        ),
        migrations.RunPython(set_floor, migrations.RunPython.noop),
        audit_retention_guards(),
    ]
