"""The public register's reads (docs/register.md): the plain-English summary of a decided use case
in the shape of the first tier of the Algorithmic Transparency Recording Standard, built once at
publishing and stored; the published entries; the changes for the feed; what admins may publish."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from audiences.models import Organisation
from matrix.selectors.cells import round_principles, version_cells
from principles.rule import INSUFFICIENT
from register.models import RegisterChange, RegisterEntry
from reviews.models import Decision, DecisionCondition, Review
from usecases.diff import versions_diff
from usecases.models import UseCaseVersion

# How many changes the feed lists, newest first.
FEED_ITEMS = 50


def _organisations_named(decision: Decision) -> tuple[int, list[str]]:
    """How many organisations reviewed the version in the round, and the names of those whose lead
    agreed to be named (docs/register.md, "Naming organisations")."""
    round_version = decision.round_version
    reviewed = Review.objects.filter(
        round_id=round_version.round_id, version_id=round_version.version_id, status=Review.Status.SUBMITTED
    ).exclude(organisation=None)
    organisations = Organisation.objects.filter(pk__in=reviewed.values("organisation_id"))
    named = organisations.filter(register_consent__agreed=True).order_by("name").values_list("name", flat=True)
    return organisations.count(), list(named)


def _changes_because_of_review(version: UseCaseVersion) -> dict:
    """What changed from the version before, which reviewers read: the parts that changed, by name,
    and the authors' own summary. Nothing for a first version."""
    earlier = (
        UseCaseVersion.objects.filter(use_case_id=version.use_case_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if earlier is None:
        return {"earlier_version": None, "parts_changed": [], "summary": ""}
    return {
        "earlier_version": earlier.number,
        "parts_changed": [part.name for part in versions_diff(earlier, version) if part.changed],
        "summary": version.change_summary,
    }


def entry_snapshot(decision: Decision) -> dict:
    """The register's page for a decision, as it would be published now: no individual verdict, no
    reviewer, and no organisation unless its lead agreed."""
    round_version = decision.round_version
    review_round, version = round_version.round, round_version.version
    audience = version.use_case.audience
    cells = version_cells(round_id=review_round.pk, version_id=version.pk)
    organisations_count, named = _organisations_named(decision)
    return {
        "title": version.title,
        "use_case": version.use_case.slug,
        "version": version.number,
        "audience": audience.name,
        "audience_description": audience.description,
        "purpose": version.impact_statement,
        "research_questions": version.research_question_list,
        "data_flows": [
            {"information": flow.get("information", ""), "from": flow.get("from", ""), "to": flow.get("to", "")}
            for flow in version.data_flows
        ],
        "will_do": version.will_do_list,
        "wont_do": version.wont_do_list,
        "review": {
            "round": review_round.name,
            "closed_on": review_round.closed_on.isoformat() if review_round.closed_on else None,
            "organisations": organisations_count,
            "organisations_named": named,
            "principles": [
                {
                    "name": principle.name,
                    "outcome": cells[principle.pk].outcome if principle.pk in cells else INSUFFICIENT,
                }
                for principle in round_principles(review_round)
            ],
        },
        "decision": {
            "outcome": decision.outcome,
            "outcome_words": str(decision.get_outcome_display()),
            "reasons": decision.reasons,
            "decided_on": decision.decided_at.date().isoformat(),
            "conditions": [
                {
                    "principle": condition.principle.name,
                    "text": condition.text,
                    "met_in_version": condition.met_in_version.number if condition.met_in_version else None,
                }
                for condition in decision.conditions.select_related("principle", "met_in_version").order_by("pk")
            ],
        },
        "changes": _changes_because_of_review(version),
    }


def published_entries() -> list[RegisterEntry]:
    """Every published entry, by audience then title; withdrawn ones never."""
    entries = RegisterEntry.objects.filter(status=RegisterEntry.Status.PUBLISHED).only(
        "snapshot", "use_case_id", "status"
    )
    return sorted(entries, key=lambda entry: (entry.snapshot["audience"], entry.snapshot["title"].casefold()))


def entry_by_slug(use_case_slug: str) -> RegisterEntry | None:
    """The entry of the use case, published or withdrawn; None if it was never published."""
    return RegisterEntry.objects.filter(use_case__slug=use_case_slug).select_related("use_case").first()


def feed_changes() -> list[RegisterChange]:
    return list(RegisterChange.objects.select_related("entry__use_case")[:FEED_ITEMS])


@dataclass(frozen=True)
class Publishable:
    decision: Decision
    entry: RegisterEntry | None

    @property
    def is_current(self) -> bool:
        """This decision is the one the register shows now."""
        return self.entry is not None and self.entry.is_published and self.entry.decision_id == self.decision.pk


def publishable_decisions() -> list[Publishable]:
    """Decisions to go ahead (with or without conditions), newest first, each beside its use case's
    entry if it has one."""
    decisions = (
        Decision.objects.filter(outcome__in=Decision.GOES_AHEAD)
        .select_related("round_version__round", "round_version__version__use_case__audience")
        .prefetch_related(Prefetch("conditions", queryset=DecisionCondition.objects.order_by("pk")))
        .order_by("-decided_at", "-pk")
    )
    decisions = list(decisions)
    entries = RegisterEntry.objects.in_bulk(
        [d.round_version.version.use_case_id for d in decisions], field_name="use_case_id"
    )
    return [Publishable(d, entries.get(d.round_version.version.use_case_id)) for d in decisions]


def decision_to_publish(decision_id: int) -> Decision | None:
    return (
        Decision.objects.filter(Q(pk=decision_id), outcome__in=Decision.GOES_AHEAD)
        .select_related("round_version__round", "round_version__version__use_case__audience")
        .first()
    )
