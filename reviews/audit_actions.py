"""The audit actions of rounds, assignments, reviews and declarations of interest."""

from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import (
    AuditAction,
    AuditData,
    AuditListing,
    AuditRow,
    AuditScope,
    NamedKind,
    names_by_id_or_slug,
    register,
    register_named,
    register_scope,
    register_scope_rows,
    rows_about,
)
from reviews.models import Assignment, Decision, DeclaredInterest, Review, ReviewLink, ReviewRound

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


def _given_to(row: AuditRow, pair: dict) -> str:
    """Whom a pair's assignment went to: a reviewer in person, or an organisation."""
    if pair.get("reviewer"):
        return row.name("reviewer", pair["reviewer"])
    return row.name("organisation", pair.get("organisation"))


def _grid_listing(row: AuditRow) -> AuditListing:
    """The pairs one save of the assignment grid gave and took away."""
    return AuditListing(
        caption=str(_("Use cases given to and taken away from organisations")),
        headers=(str(_("Use case")), str(_("Organisation")), str(_("Change"))),
        rows=[
            (row.name("version", pair.get("version")), _given_to(row, pair), str(change))
            for key, change in (("added", _("Given")), ("removed", _("Taken away")))
            for pair in row.value(key, [])
            if isinstance(pair, dict)
        ],
    )


def _assignments_listing(caption):
    """The assignments a bulk action added or changed, one line each (use case, given to)."""

    def listing(row: AuditRow) -> AuditListing:
        return AuditListing(
            caption=str(caption),
            headers=(str(_("Use case")), str(_("Given to"))),
            rows=[
                (row.name("version", pair.get("version")), _given_to(row, pair))
                for pair in row.value("pairs", [])
                if isinstance(pair, dict)
            ],
        )

    return listing


def _pairs_listing(row: AuditRow) -> AuditListing:
    """The use cases and organisations a bulk assignment paired (rows written before pairs were
    stored hold only the count: the listing says so)."""
    pairs = row.value("pairs")
    if pairs is None:
        caption = _("Which use cases went to which organisations was not recorded before this version")
        return AuditListing(caption=str(caption), headers=(), rows=[])
    return AuditListing(
        caption=str(_("Use cases given to organisations")),
        headers=(str(_("Use case")), str(_("Organisation"))),
        rows=[
            (row.name("version", pair.get("version")), row.name("organisation", pair.get("organisation")))
            for pair in pairs
        ],
    )


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
    AuditAction(
        "assignments_made_by_audience",
        _("Assignments made by audience"),
        message=lambda row: _("%(count)s assignments made in %(round)s; %(skipped)s left out for declared interests")
        % {
            "count": row.value("assignments", 0),
            "round": row.object_text,
            "skipped": row.value("skipped_for_declared_interests", 0),
        },
        listing=_pairs_listing,
    ),
    AuditAction("assignments_changed_in_bulk", _("Assignments given and taken away in bulk"), listing=_grid_listing),
    AuditAction(
        "assignments_uploaded",
        _("Assignments added from a file"),
        listing=_assignments_listing(_("Assignments added from the file")),
    ),
    AuditAction(
        "assignments_due_changed_in_bulk",
        _("Due dates changed in bulk"),
        listing=_assignments_listing(_("Assignments whose due date changed")),
    ),
    AuditAction("assignment_due_changed", _("Assignment due date changed")),
    AuditAction("assignment_reassigned", _("Assignment reassigned")),
    AuditAction("assignment_removed", _("Assignment removed")),
    AuditAction("assignment_reviewers_chosen", _("Members chosen to review an organisation's assignment")),
    AuditAction("assignment_declined", _("Assignment declined")),
    AuditAction("assignment_more_time_requested", _("More time asked for")),
    AuditAction("assignment_more_time_granted", _("More time given")),
    AuditAction("assignment_more_time_refused", _("More time refused")),
    AuditAction("assignment_more_time_cancelled", _("Request for more time cancelled")),
    AuditAction("interest_declared", _("Interest declared")),
    AuditAction("interest_withdrawn", _("Declared interest withdrawn")),
    AuditAction("interest_overridden", _("Declared interest overridden")),
    AuditAction("review_link_sent", _("Personal review link sent")),
    AuditAction("review_link_revoked", _("Personal review link revoked")),
    AuditAction("review_link_opened", _("Signed in with a personal review link")),
    AuditAction("decision_recorded", _("Programme decision recorded")),
    AuditAction("decision_condition_met", _("Condition of a decision checked off")),
    AuditAction("question_asked", _("Question asked to a use case's authors")),
    AuditAction("question_answered", _("Question to a use case's authors answered")),
)


# Names beside numbers: a round's rows name it as it was named then; "round" in a row holds its
# slug or id.
register_named(
    NamedKind(
        "reviews.reviewround",
        lookup=lambda values: names_by_id_or_slug(ReviewRound.objects, values),
        keys=("round", "round_id"),
        name_when_written=lambda review_round: review_round.name,
    )
)


def _round_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in ReviewRound.objects.order_by("name", "pk").values_list("pk", "name")]


def _rows_about_round(value: str):
    """The round's own rows, rows naming it, and the rows of its assignments and reviews."""
    review_round = ReviewRound.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if review_round is None:
        return rows_about(ReviewRound, [])
    return (
        rows_about(
            ReviewRound, [review_round.pk], keys=("round", "round_id"), values=(review_round.pk, review_round.slug)
        )
        | rows_about(Assignment, Assignment.objects.filter(round=review_round))
        | rows_about(Review, Review.objects.filter(round=review_round))
        | rows_about(ReviewLink, ReviewLink.objects.filter(round=review_round))
        | rows_about(Decision, Decision.objects.filter(round_version__round=review_round))
    )


def _rows_about_organisation_in_reviews(value: str):
    """An organisation's assignments, reviews and declarations (the audiences app knows the rest)."""
    if not value.isdigit():
        return rows_about(Assignment, [])
    return (
        rows_about(Assignment, Assignment.objects.filter(organisation_id=int(value)))
        | rows_about(Review, Review.objects.filter(organisation_id=int(value)))
        | rows_about(DeclaredInterest, DeclaredInterest.objects.filter(organisation_id=int(value)))
    )


register_scope(AuditScope("round", _("Round"), _("a round"), choices=_round_choices, rows=_rows_about_round))
register_scope_rows("organisation", _rows_about_organisation_in_reviews)
