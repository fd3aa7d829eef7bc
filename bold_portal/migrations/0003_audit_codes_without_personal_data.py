"""Audit rows written before the typed list of actions: their codes renamed to the list's, and the
email addresses some held removed, so that no audit row holds personal data (rows outlive an
erased account). Runs before 0004 makes the table append-only."""

from django.db import migrations

RENAMED = {
    "invitation_create": "invitation_sent",
    "invitation_accept": "invitation_accepted",
    "review_updated": "review_changed",
}
ROUND_STATUS = {"open": "round_opened", "closed": "round_closed", "draft": "round_returned_to_draft"}


def forward(apps, schema_editor):
    AuditEvent = apps.get_model("bold_portal", "AuditEvent")
    changed = []
    for event in AuditEvent.objects.iterator(chunk_size=2000):
        action, data = event.action, dict(event.data or {})
        if action == "round_status_changed":
            action = ROUND_STATUS.get((data.get("after") or {}).get("status"), action)
        action = RENAMED.get(action, action)
        data.pop("email", None)
        if isinstance(data.get("new_reviewers"), list):
            data["new_reviewers"] = len(data["new_reviewers"])
        if (action, data) != (event.action, event.data):
            event.action, event.data = action, data
            changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["action", "data"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("bold_portal", "0002_role_groups")]

    # Addresses removed cannot be put back; going back leaves the new codes, which older code reads as text.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
