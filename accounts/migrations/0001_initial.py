"""The user model, moved here from the audiences app with its table (audiences_user): this
migration changes nothing in the database, it only tells Django's record of the models that the
table now belongs to accounts.User, as audiences.0001_initial made it.

It is the migration every app's swappable dependency on AUTH_USER_MODEL points at, so other apps'
migrations applied before the move (the admin's, django-otp's, the portal's own) depend on it. On a
database built before the move, `migrate` records it as applied before checking the history
(accounts/management/commands/migrate.py): recording a migration that changes nothing in the
database is the same as running it. Its state follows the table as audiences left it in
accounts.0002_as_audiences_left_them; audiences.0006_accounts_moved_out then drops the old models."""

import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models

import accounts.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("audiences", "0001_initial"),  # made the table
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="User",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("password", models.CharField(max_length=128, verbose_name="password")),
                        ("last_login", models.DateTimeField(blank=True, null=True, verbose_name="last login")),
                        (
                            "is_superuser",
                            models.BooleanField(
                                default=False,
                                help_text="Designates that this user has all permissions without explicitly assigning them.",
                                verbose_name="superuser status",
                            ),
                        ),
                        (
                            "email",
                            models.EmailField(
                                error_messages={"unique": "An account with this email address already exists."},
                                max_length=254,
                                unique=True,
                                verbose_name="email address",
                            ),
                        ),
                        ("full_name", models.CharField(blank=True, max_length=150, verbose_name="full name")),
                        (
                            "is_staff",
                            models.BooleanField(
                                default=False,
                                help_text="Superusers only: the portal has its own pages.",
                                verbose_name="may use the Django admin",
                            ),
                        ),
                        (
                            "is_active",
                            models.BooleanField(
                                default=True,
                                help_text="Switched off accounts cannot sign in and are not expected to review.",
                                verbose_name="active",
                            ),
                        ),
                        ("date_joined", models.DateTimeField(default=django.utils.timezone.now, verbose_name="joined")),
                        (
                            "groups",
                            models.ManyToManyField(
                                blank=True,
                                help_text="The groups this user belongs to. A user will get all permissions granted to each of their groups.",
                                related_name="user_set",
                                related_query_name="user",
                                to="auth.group",
                                verbose_name="groups",
                            ),
                        ),
                        (
                            "user_permissions",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Specific permissions for this user.",
                                related_name="user_set",
                                related_query_name="user",
                                to="auth.permission",
                                verbose_name="user permissions",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "person",
                        "verbose_name_plural": "people",
                        "db_table": "audiences_user",
                        "ordering": ["email"],
                    },
                    managers=[
                        ("objects", accounts.models.UserManager()),
                    ],
                ),
                migrations.AddConstraint(
                    model_name="user",
                    constraint=models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"),
                        name="user_email_unique_any_case",
                        violation_error_message="An account with this email address already exists.",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
