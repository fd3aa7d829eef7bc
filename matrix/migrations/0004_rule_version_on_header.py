from django.db import migrations, models


class Migration(migrations.Migration):
    """The rule a matrix was computed under moves from every row to the round's header, so a
    change of rule no longer rewrites every row (docs/architecture.md, From a review to the matrix)."""

    dependencies = [
        ("matrix", "0003_matrixagreement"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="matrixrow",
            name="rule_version",
        ),
        migrations.AddField(
            model_name="matrix",
            name="rule_version",
            field=models.PositiveIntegerField(default=0, verbose_name="rule computed under"),
        ),
    ]
