"""The user model and the recovery codes now belong to the accounts app (accounts.0001 and 0002),
with the same tables: this app's record of them goes, and its foreign keys point at
settings.AUTH_USER_MODEL again. Nothing changes in the database's tables.

Their content types (which the admin's log, permissions and groups refer to) are renamed to
accounts', so that nothing pointing at them is lost. Audit rows keep the label they were written
under (audiences.user): the trail is append-only, and the audit pages read the old label as the new
(accounts/audit_actions.py). A session that passed the two-factor step with a recovery code names
the device by its old label, so it asks for a code once more."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("user", "recoverycodedevice", "recoverycode")


def _content_types_rename(apps, *, source: str, target: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for model in MOVED:
        if not content_types.filter(app_label=target, model=model).exists():
            content_types.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_accounts(apps, schema_editor):
    _content_types_rename(apps, source="audiences", target="accounts")


def content_types_to_audiences(apps, schema_editor):
    _content_types_rename(apps, source="accounts", target="audiences")


class Migration(migrations.Migration):
    dependencies = [
        ("audiences", "0005_text_limits"),
        ("accounts", "0002_as_audiences_left_them"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="audience",
                    name="authors",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="BOLD pilot team members who write use cases for this audience.",
                        related_name="authored_audiences",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="pilot team authors",
                    ),
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="user",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="invitation",
                    name="invited_by",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.DeleteModel(name="RecoveryCode"),
                migrations.DeleteModel(name="RecoveryCodeDevice"),
                migrations.DeleteModel(name="User"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_accounts, content_types_to_audiences),
    ]
