from django.db import migrations, models


class Migration(migrations.Migration):
    """The round's header counts the recomputes that changed what agreement is measured from, and
    notes the count its agreement figures were measured at, so a page can tell whether they are
    current (docs/architecture.md, Agreement). Figures stored before this are measured again."""

    dependencies = [
        ("matrix", "0005_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="matrix",
            name="generation",
            field=models.PositiveBigIntegerField(default=0, verbose_name="changes of the cells"),
        ),
        migrations.AddField(
            model_name="matrix",
            name="agreement_generation",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="agreement measured at change"),
        ),
    ]
