import django.core.validators
from django.db import migrations, models

import bold_portal.text


class Migration(migrations.Migration):
    dependencies = [
        ("audiences", "0004_hashed_recovery_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="audience",
            name="description",
            field=models.TextField(
                blank=True,
                validators=[
                    django.core.validators.MaxLengthValidator(1000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="description",
            ),
        ),
        migrations.AlterField(
            model_name="audience",
            name="name",
            field=models.CharField(
                max_length=100,
                unique=True,
                validators=[bold_portal.text.ControlCharacterValidator()],
                verbose_name="name",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="email",
            field=models.EmailField(
                max_length=254, validators=[bold_portal.text.ControlCharacterValidator()], verbose_name="email address"
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="name",
            field=models.CharField(
                max_length=200,
                unique=True,
                validators=[bold_portal.text.ControlCharacterValidator()],
                verbose_name="name",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="website",
            field=models.URLField(
                blank=True, validators=[bold_portal.text.ControlCharacterValidator()], verbose_name="website"
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
            model_name="audience",
            constraint=bold_portal.text.TextLengthLimit(
                field="name",
                limit=100,
                name="audience_name_length",
                violation_error_message="An audience's name must be 100 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="audience",
            constraint=bold_portal.text.TextLengthLimit(
                field="slug",
                limit=60,
                name="audience_slug_length",
                violation_error_message="An audience's slug must be 60 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="audience",
            constraint=bold_portal.text.TextLengthLimit(
                field="description",
                limit=1000,
                name="audience_description_length",
                violation_error_message="An audience's description must be 1,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=bold_portal.text.TextLengthLimit(
                field="email",
                limit=254,
                name="invitation_email_length",
                violation_error_message="An email address must be 254 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=bold_portal.text.TextLengthLimit(
                field="name",
                limit=200,
                name="organisation_name_length",
                violation_error_message="An organisation's name must be 200 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=bold_portal.text.TextLengthLimit(
                field="slug",
                limit=80,
                name="organisation_slug_length",
                violation_error_message="An organisation's slug must be 80 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=bold_portal.text.TextLengthLimit(
                field="website",
                limit=200,
                name="organisation_website_length",
                violation_error_message="An organisation's website address must be 200 characters or fewer.",
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
    ]
