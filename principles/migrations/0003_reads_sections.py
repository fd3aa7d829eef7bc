from django.db import migrations, models

import bold_portal.text
import principles.sections

# The report's four principles read these sections (as reviews/demo/bold_report.py gives them):
# copied here, as a migration must not change when the demo data does.
DEMO_READS_SECTIONS = {
    "relevant": ["title", "impact_statement", "research_questions"],
    "impactful": ["impact_statement", "will_do"],
    "clear": ["data_flows", "will_do", "wont_do"],
    "non-stigmatising": ["title", "impact_statement", "research_questions", "will_do", "wont_do"],
}


def demo_values(apps, schema_editor):
    """The report's principles, where they exist, read the sections the report's questions ask about."""
    Principle = apps.get_model("principles", "Principle")
    for principle in Principle.objects.filter(slug__in=DEMO_READS_SECTIONS):
        if not principle.reads_sections:
            principle.reads_sections = DEMO_READS_SECTIONS[principle.slug]
            principle.save(update_fields=["reads_sections"])


class Migration(migrations.Migration):

    dependencies = [
        ('principles', '0002_text_limits'),
    ]

    operations = [
        migrations.AddField(
            model_name='principle',
            name='reads_sections',
            field=models.JSONField(blank=True, default=list, validators=[principles.sections.validate_sections], verbose_name='sections of the use case it reads'),
        ),
        migrations.AddConstraint(
            model_name="principle",
            constraint=bold_portal.text.TextLengthLimit(
                field="reads_sections",
                is_json=True,
                limit=500,
                name="principle_reads_sections_length",
                violation_error_message="The sections a principle reads, stored as text, must be 500 characters or fewer.",
            ),
        ),
        migrations.RunPython(demo_values, migrations.RunPython.noop),
    ]
