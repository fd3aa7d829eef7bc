"""The user as audiences' later migrations left its table (erased_at, the text limits), and the
recovery codes audiences.0004 made, moved here with their tables. Changes nothing in the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import bold_portal.text


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("audiences", "0005_text_limits"),  # the table as this migration describes it
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="user",
                    name="erased_at",
                    field=models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="personal data erased"
                    ),
                ),
                migrations.AlterField(
                    model_name="user",
                    name="email",
                    field=models.EmailField(
                        error_messages={"unique": "An account with this email address already exists."},
                        max_length=254,
                        unique=True,
                        validators=[bold_portal.text.ControlCharacterValidator()],
                        verbose_name="email address",
                    ),
                ),
                migrations.AlterField(
                    model_name="user",
                    name="full_name",
                    field=models.CharField(
                        blank=True,
                        max_length=150,
                        validators=[bold_portal.text.ControlCharacterValidator()],
                        verbose_name="full name",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="user",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="email",
                        limit=254,
                        name="user_email_length",
                        violation_error_message="An email address must be 254 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="user",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="full_name",
                        limit=150,
                        name="user_full_name_length",
                        violation_error_message="A full name must be 150 characters or fewer.",
                    ),
                ),
                migrations.CreateModel(
                    name="RecoveryCodeDevice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
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
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "recovery codes",
                        "verbose_name_plural": "recovery codes",
                        "db_table": "audiences_recoverycodedevice",
                    },
                ),
                migrations.CreateModel(
                    name="RecoveryCode",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("salt", models.CharField(editable=False, max_length=32)),
                        ("code_hash", models.CharField(editable=False, max_length=64)),
                        (
                            "device",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="codes",
                                to="accounts.recoverycodedevice",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "recovery code",
                        "verbose_name_plural": "recovery codes",
                        "db_table": "audiences_recoverycode",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
