"""The verdicts CSV is streamed to the person as it is written and never kept in the database: the
files of earlier verdicts CSV exports (every submitted verdict of a round, up to tens of megabytes
each) are deleted with their exports. The person downloads the file again from the matrix page."""

from django.db import migrations


def delete_kept_verdicts_csv(apps, schema_editor):
    apps.get_model("matrix", "MatrixExport").objects.filter(exporter="verdicts-csv").delete()


class Migration(migrations.Migration):
    dependencies = [('matrix', '0010_matrixcell_carried')]

    operations = [migrations.RunPython(delete_kept_verdicts_csv, migrations.RunPython.noop, elidable=True)]
