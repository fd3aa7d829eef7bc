from django.db import migrations

from bold_portal.db import forbid_column_updates


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [
        forbid_column_updates(
            "reviews_review",
            ["round_id", "version_id", "reviewer_id"],
            "a review stays with its round, version and reviewer",
        ),
    ]
