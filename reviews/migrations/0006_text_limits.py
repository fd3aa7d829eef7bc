import django.core.validators
from django.db import migrations, models

import bold_portal.text
from bold_portal.db import TriggersKept


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_round_flag_audiences"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assignmentrequest",
            name="decision_note",
            field=models.TextField(
                blank=True,
                validators=[
                    django.core.validators.MaxLengthValidator(2000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="why",
            ),
        ),
        migrations.AlterField(
            model_name="assignmentrequest",
            name="reason",
            field=models.TextField(
                validators=[
                    django.core.validators.MaxLengthValidator(2000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="declaredinterest",
            name="override_reason",
            field=models.TextField(
                blank=True,
                validators=[
                    django.core.validators.MaxLengthValidator(2000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="why the organisation may review it all the same",
            ),
        ),
        migrations.AlterField(
            model_name="declaredinterest",
            name="reason",
            field=models.TextField(
                validators=[
                    django.core.validators.MaxLengthValidator(2000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="reviewround",
            name="name",
            field=models.CharField(
                max_length=200, validators=[bold_portal.text.ControlCharacterValidator()], verbose_name="name"
            ),
        ),
        migrations.AlterField(
            model_name="verdict",
            name="evidence",
            field=models.TextField(
                blank=True,
                validators=[
                    django.core.validators.MaxLengthValidator(20000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="evidence",
            ),
        ),
        migrations.AlterField(
            model_name="verdict",
            name="reason",
            field=models.TextField(
                blank=True,
                validators=[
                    django.core.validators.MaxLengthValidator(20000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="reason",
            ),
        ),
        migrations.AlterField(
            model_name="verdict",
            name="suggested_rewording",
            field=models.TextField(
                blank=True,
                validators=[
                    django.core.validators.MaxLengthValidator(20000),
                    bold_portal.text.ControlCharacterValidator(),
                ],
                verbose_name="suggested rewording",
            ),
        ),
        migrations.AddConstraint(
            model_name="assignmentrequest",
            constraint=bold_portal.text.TextLengthLimit(
                field="reason",
                limit=2000,
                name="assignmentrequest_reason_length",
                violation_error_message="A request's reason must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="assignmentrequest",
            constraint=bold_portal.text.TextLengthLimit(
                field="decision_note",
                limit=2000,
                name="assignmentrequest_decision_note_length",
                violation_error_message="A note on a decision must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredinterest",
            constraint=bold_portal.text.TextLengthLimit(
                field="reason",
                limit=2000,
                name="declaredinterest_reason_length",
                violation_error_message="A declared interest must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="declaredinterest",
            constraint=bold_portal.text.TextLengthLimit(
                field="override_reason",
                limit=2000,
                name="declaredinterest_override_reason_length",
                violation_error_message="The reason for an override must be 2,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=bold_portal.text.TextLengthLimit(
                field="name",
                limit=200,
                name="reviewround_name_length",
                violation_error_message="A round's name must be 200 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewround",
            constraint=bold_portal.text.TextLengthLimit(
                field="slug",
                limit=80,
                name="reviewround_slug_length",
                violation_error_message="A round's short name must be 80 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="verdict",
            constraint=bold_portal.text.TextLengthLimit(
                field="reason",
                limit=20000,
                name="verdict_reason_length",
                violation_error_message="A verdict's reason must be 20,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="verdict",
            constraint=bold_portal.text.TextLengthLimit(
                field="evidence",
                limit=20000,
                name="verdict_evidence_length",
                violation_error_message="A verdict's evidence must be 20,000 characters or fewer.",
            ),
        ),
        migrations.AddConstraint(
            model_name="verdict",
            constraint=bold_portal.text.TextLengthLimit(
                field="suggested_rewording",
                limit=20000,
                name="verdict_suggested_rewording_length",
                violation_error_message="A suggested rewording must be 20,000 characters or fewer.",
            ),
        ),
        # SQLite rebuilds the table for these, which would drop its trigger (bold_portal.db.TriggersKept).
        TriggersKept(
            "reviews_review",
            [
                migrations.AlterField(
                    model_name="review",
                    name="overall_comment",
                    field=models.TextField(
                        blank=True,
                        validators=[
                            django.core.validators.MaxLengthValidator(20000),
                            bold_portal.text.ControlCharacterValidator(),
                        ],
                        verbose_name="overall comment",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="review",
                    constraint=bold_portal.text.TextLengthLimit(
                        field="overall_comment",
                        limit=20000,
                        name="review_overall_comment_length",
                        violation_error_message="An overall comment must be 20,000 characters or fewer.",
                    ),
                ),
            ],
        ),
    ]
