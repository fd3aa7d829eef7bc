import django.core.validators
from django.db import migrations, models

import bold_portal.text
from bold_portal.db import TriggersKept


class Migration(migrations.Migration):
    dependencies = [
        ("usecases", "0002_immutable_versions"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="usecase",
            constraint=bold_portal.text.TextLengthLimit(
                field="slug",
                limit=80,
                name="usecase_slug_length",
                violation_error_message="A use case's slug must be 80 characters or fewer.",
            ),
        ),
        # SQLite rebuilds the table for these, which would drop its trigger (bold_portal.db.TriggersKept).
        TriggersKept(
            "usecases_usecaseversion",
            [
                migrations.AlterField(
                    model_name="usecaseversion",
                    name="change_summary",
                    field=models.TextField(
                        blank=True,
                        validators=[
                            django.core.validators.MaxLengthValidator(5000),
                            bold_portal.text.ControlCharacterValidator(),
                        ],
                        verbose_name="what changed from the last version",
                    ),
                ),
                migrations.AlterField(
                    model_name="usecaseversion",
                    name="impact_statement",
                    field=models.TextField(
                        help_text="Leads the use case: why this matters to the people concerned.",
                        validators=[
                            django.core.validators.MaxLengthValidator(10000),
                            bold_portal.text.ControlCharacterValidator(),
                        ],
                        verbose_name="why this matters",
                    ),
                ),
                migrations.AlterField(
                    model_name="usecaseversion",
                    name="research_questions",
                    field=models.TextField(
                        help_text="One question per line.",
                        validators=[
                            django.core.validators.MaxLengthValidator(10000),
                            bold_portal.text.ControlCharacterValidator(),
                        ],
                        verbose_name="research questions",
                    ),
                ),
                migrations.AlterField(
                    model_name="usecaseversion",
                    name="title",
                    field=models.CharField(
                        max_length=200, validators=[bold_portal.text.ControlCharacterValidator()], verbose_name="title"
                    ),
                ),
                migrations.AlterField(
                    model_name="usecaseversion",
                    name="will_do",
                    field=models.TextField(
                        help_text="One point per line.",
                        validators=[
                            django.core.validators.MaxLengthValidator(10000),
                            bold_portal.text.ControlCharacterValidator(),
                        ],
                        verbose_name="what BOLD will do",
                    ),
                ),
                migrations.AlterField(
                    model_name="usecaseversion",
                    name="wont_do",
                    field=models.TextField(
                        help_text="One point per line.",
                        validators=[
                            django.core.validators.MaxLengthValidator(10000),
                            bold_portal.text.ControlCharacterValidator(),
                        ],
                        verbose_name="what BOLD will not do",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="title",
                        limit=200,
                        name="usecaseversion_title_length",
                        violation_error_message="A use case's title must be 200 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="impact_statement",
                        limit=10000,
                        name="usecaseversion_impact_statement_length",
                        violation_error_message="Why this matters must be 10,000 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="research_questions",
                        limit=10000,
                        name="usecaseversion_research_questions_length",
                        violation_error_message="The research questions must be 10,000 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="will_do",
                        limit=10000,
                        name="usecaseversion_will_do_length",
                        violation_error_message="What BOLD will do must be 10,000 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="wont_do",
                        limit=10000,
                        name="usecaseversion_wont_do_length",
                        violation_error_message="What BOLD will not do must be 10,000 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="change_summary",
                        limit=5000,
                        name="usecaseversion_change_summary_length",
                        violation_error_message="What changed from the last version must be 5,000 characters or fewer.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="usecaseversion",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="data_flows",
                        is_json=True,
                        limit=100000,
                        name="usecaseversion_data_flows_length",
                        violation_error_message="The data flows, stored as text, must be 100,000 characters or fewer.",
                    ),
                ),
            ],
        ),
    ]
