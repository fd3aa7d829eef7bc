from django.db import migrations

from bold_portal.db import forbid_column_updates


class Migration(migrations.Migration):
    dependencies = [("usecases", "0001_initial")]

    operations = [
        forbid_column_updates(
            "usecases_usecaseversion",
            [
                "use_case_id",
                "number",
                "title",
                "impact_statement",
                "research_questions",
                "data_flows",
                "will_do",
                "wont_do",
                "change_summary",
                "created_at",
            ],
            "use case versions are immutable: create a new version instead",
        ),
    ]
