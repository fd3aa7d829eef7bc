"""The audit actions of rounds, assignments, reviews and declarations of interest."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, AuditData, register

_VERDICT_FIELDS = ["verdict", "reason", "evidence", "suggested_rewording"]


def review_fields_changed(before: dict, after: dict) -> list[str]:
    """Which of a review's fields differ between two records of it (as review_save writes them:
    status, overall_comment, verdicts), named without their content: "overall comment",
    "principle 3 reason"."""
    changed = []
    if before.get("overall_comment", "") != after.get("overall_comment", ""):
        changed.append("overall comment")
    earlier = {row.get("principle_id"): row for row in before.get("verdicts") or []}
    later = {row.get("principle_id"): row for row in after.get("verdicts") or []}
    for principle_id in sorted(set(earlier) | set(later), key=str):
        old, new = earlier.get(principle_id, {}), later.get(principle_id, {})
        changed += [
            f"principle {principle_id} {name.replace('_', ' ')}"
            for name in _VERDICT_FIELDS
            if (old.get(name) or "") != (new.get(name) or "")
        ]
    return changed


def _status_only(record: dict) -> dict:
    return {"status": record["status"]} if "status" in record else {}


def _draft_hidden(data: AuditData) -> AuditData:
    """A draft is private to its reviewer: a row about one shows that it changed, and which
    fields, never their content. Rows written before drafts were recorded this way held the
    content; it stays in the row (the trail is append-only) and is never shown."""
    details = dict(data.details)
    if "fields_changed" not in details:
        details["fields_changed"] = review_fields_changed(data.before, data.after)
    return AuditData(before=_status_only(data.before), after=_status_only(data.after), details=details)


def _submitted_draft_hidden(data: AuditData) -> AuditData:
    """A review submitted from a draft: what is submitted may be shown, the draft before it not."""
    if data.before.get("status") == "draft":
        return AuditData(before=_status_only(data.before), after=data.after, details=data.details)
    return data


register(
    AuditAction("review_draft_saved", _("Review draft saved"), shown=_draft_hidden),
    AuditAction("review_submitted", _("Review submitted"), shown=_submitted_draft_hidden),
    AuditAction("review_changed", _("Review changed")),
    AuditAction("review_withdrawn", _("Review withdrawn")),
    AuditAction("reviews_recorded", _("Reviews recorded as given")),
    AuditAction("verdicts_imported", _("Verdicts imported")),
    AuditAction("round_created", _("Round created")),
    AuditAction("round_copied", _("Round copied from another")),
    AuditAction("round_opened", _("Round opened")),
    AuditAction("round_opened_anyway", _("Round opened despite warnings")),
    AuditAction("round_closed", _("Round closed")),
    AuditAction("round_returned_to_draft", _("Round returned to draft")),
    AuditAction("round_rule_changed", _("Round rule changed")),
    AuditAction("round_settings_changed", _("Round settings changed")),
    AuditAction("round_flag_rule_changed", _("Round's flag for discussion changed")),
    # round_version_added and round_restored were written by services that are gone (a test helper
    # and the demo loader of earlier versions); kept so that those audit rows keep their label.
    AuditAction("round_version_added", _("Use case added to a round")),
    AuditAction("round_versions_changed", _("Round's use cases changed")),
    AuditAction("round_restored", _("Round put back as defined")),
    AuditAction("round_drafts_left", _("Drafts left when a round closed")),
    AuditAction("assignment_made", _("Assignment made")),
    AuditAction("assignments_made_by_audience", _("Assignments made by audience")),
    AuditAction("assignments_changed_in_bulk", _("Assignments given and taken away in bulk")),
    AuditAction("assignments_uploaded", _("Assignments added from a file")),
    AuditAction("assignments_due_changed_in_bulk", _("Due dates changed in bulk")),
    AuditAction("assignment_due_changed", _("Assignment due date changed")),
    AuditAction("assignment_reassigned", _("Assignment reassigned")),
    AuditAction("assignment_removed", _("Assignment removed")),
    AuditAction("assignment_declined", _("Assignment declined")),
    AuditAction("assignment_more_time_requested", _("More time asked for")),
    AuditAction("assignment_more_time_granted", _("More time given")),
    AuditAction("assignment_more_time_refused", _("More time refused")),
    AuditAction("interest_declared", _("Interest declared")),
    AuditAction("interest_withdrawn", _("Declared interest withdrawn")),
    AuditAction("interest_overridden", _("Declared interest overridden")),
)
