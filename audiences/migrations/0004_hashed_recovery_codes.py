"""Recovery codes kept as a keyed, salted hash instead of as typed.

Until now django-otp's static device (otp_static) kept each person's recovery codes in clear. This
makes the portal's own RecoveryCodeDevice and RecoveryCode, moves every static device to one (same
person, name and wait after wrong codes) with each of its codes hashed (accounts.recovery_codes),
and deletes the static devices and their codes, so no code stays in clear. People's codes keep
working. A session that passed the code step with a recovery code asks for a code again.

Going back removes the new tables: the hashes cannot be turned back into codes, so people would
make new recovery codes on their sign-in security page."""

import django.db.models.deletion
from django.db import migrations, models

from accounts import recovery_codes


def hash_static_codes(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCodeDevice = apps.get_model("audiences", "RecoveryCodeDevice")
    RecoveryCode = apps.get_model("audiences", "RecoveryCode")
    for static in StaticDevice.objects.order_by("pk"):
        device = RecoveryCodeDevice.objects.create(
            user_id=static.user_id,
            name=static.name,
            confirmed=static.confirmed,
            throttling_failure_timestamp=static.throttling_failure_timestamp,
            throttling_failure_count=static.throttling_failure_count,
        )
        hashed = []
        for token in StaticToken.objects.filter(device=static).values_list("token", flat=True):
            salt = recovery_codes.new_salt()
            hashed.append(
                RecoveryCode(device=device, salt=salt, code_hash=recovery_codes.code_digest(token, salt=salt))
            )
        RecoveryCode.objects.bulk_create(hashed)
    StaticToken.objects.all().delete()
    StaticDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audiences", "0003_account_erasure"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCodeDevice",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(help_text="The human-readable name of this device.", max_length=64)),
                ("confirmed", models.BooleanField(default=True, help_text="Is this device ready for use?")),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(default=0, help_text="Number of successive failed attempts."),
                ),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to="audiences.user",  # held here until accounts.0001 (see 0001_initial)
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery codes",
                "verbose_name_plural": "recovery codes",
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("salt", models.CharField(editable=False, max_length=32)),
                ("code_hash", models.CharField(editable=False, max_length=64)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="audiences.recoverycodedevice",
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery code",
                "verbose_name_plural": "recovery codes",
            },
        ),
        migrations.RunPython(hash_static_codes, migrations.RunPython.noop),
    ]
