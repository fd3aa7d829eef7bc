import django.core.validators
from django.db import migrations, models

import bold_portal.text


class Migration(migrations.Migration):
    dependencies = [
        ("principles", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="principle",
            name="guidance",
            field=models.TextField(
                blank=True,
                help_text="What good looks like.",
                validators=[
                    django.core.validators.MaxLengthValidator(5000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="guidance",
            ),
        ),
        migrations.AlterField(
            model_name="principle",
            name="name",
            field=models.CharField(
                error_messages={"unique": "A principle with this name already exists."},
                max_length=100,
                unique=True,
                validators=[bold_portal.text.ControlCharacterValidator()],
                verbose_name="name",
            ),
        ),
        migrations.AlterField(
            model_name="principle",
            name="question",
            field=models.TextField(
                help_text="The question a reviewer answers.",
                validators=[
                    django.core.validators.MaxLengthValidator(500),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="question",
            ),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=bold_portal.text.TextLengthLimit(
                field="name",
                limit=100,
                name="principle_name_length",
                violation_error_message="A principle's name must be 100 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=bold_portal.text.TextLengthLimit(
                field="slug",
                limit=60,
                name="principle_slug_length",
                violation_error_message="A principle's slug must be 60 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=bold_portal.text.TextLengthLimit(
                field="question",
                limit=500,
                name="principle_question_length",
                violation_error_message="A principle's question must be 500 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=bold_portal.text.TextLengthLimit(
                field="guidance",
                limit=5000,
                name="principle_guidance_length",
                violation_error_message="A principle's guidance must be 5,000 characters or fewer.",
            ),
        ),
    ]
