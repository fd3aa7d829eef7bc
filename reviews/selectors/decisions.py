"""Reads of the programme's decisions, shared by the admins' pages, the analysts' and authors' pages,
the reviewers' summary, the API and the exports (docs/admin-rounds.md, "Decisions")."""

from dataclasses import dataclass

from django.db.models import Prefetch

from reviews.models import Decision, DecisionCondition, ReviewRound, RoundVersion
from usecases.models import UseCaseVersion


def _decisions():
    conditions = DecisionCondition.objects.select_related("principle", "met_in_version").order_by("pk")
    return Decision.objects.select_related(
        "round_version__round", "round_version__version__use_case", "decided_by"
    ).prefetch_related(Prefetch("conditions", queryset=conditions))


def decision_for(*, review_round: ReviewRound, version: UseCaseVersion) -> Decision | None:
    """The decision on the version in the round, with its conditions; None before one is recorded."""
    if review_round.status != ReviewRound.Status.CLOSED:
        # No query: decisions are recorded in closed rounds only, and a round with one stays
        # closed (decision_record, round_set_status).
        return None
    return _decisions().filter(round_version__round=review_round, round_version__version=version).first()


def decision_by_use_case(*, review_round: ReviewRound, use_case_slug: str, number: int) -> Decision | None:
    """As decision_for, for a version named by its use case's slug and its number."""
    if review_round.status != ReviewRound.Status.CLOSED:
        return None
    return (
        _decisions()
        .filter(
            round_version__round=review_round,
            round_version__version__use_case__slug=use_case_slug,
            round_version__version__number=number,
        )
        .first()
    )


def round_decisions(review_round: ReviewRound) -> dict[int, Decision]:
    """The round's decisions by version id, with their conditions: two queries whatever the round's size."""
    return {
        decision.round_version.version_id: decision
        for decision in _decisions().filter(round_version__round=review_round)
    }


def version_decisions(version: UseCaseVersion) -> list[Decision]:
    """Every decision on a version, one per round it was reviewed in, newest first."""
    return list(_decisions().filter(round_version__version=version))


@dataclass(frozen=True)
class DecisionRow:
    round_version: RoundVersion
    decision: Decision | None


def round_decision_rows(review_round: ReviewRound) -> list[DecisionRow]:
    """Each use case version of the round, by audience and title, beside its decision if any."""
    decisions = round_decisions(review_round)
    round_versions = (
        RoundVersion.objects.filter(round=review_round)
        .select_related("version__use_case__audience")
        .order_by("version__use_case__audience__display_order", "version__use_case__display_order", "version__title")
    )
    return [DecisionRow(row, decisions.get(row.version_id)) for row in round_versions]


def later_versions(decision: Decision) -> list[UseCaseVersion]:
    """The versions of the decided use case after the one decided on: those a condition may be met in."""
    version = decision.round_version.version
    return list(
        UseCaseVersion.objects.filter(use_case_id=version.use_case_id, number__gt=version.number).order_by("number")
    )


def decision_record(decision: Decision) -> dict:
    """A decision as the API and the exports give it: no person is named."""
    return {
        "decision": decision.outcome,
        "decision_in_words": str(decision.get_outcome_display()),
        "reasons": decision.reasons,
        "decided_on": decision.decided_at.isoformat(),
        "conditions": [
            {
                "principle": condition.principle.slug,
                "condition": condition.text,
                "met": condition.is_met,
                "met_in_version": condition.met_in_version.number if condition.met_in_version else None,
            }
            for condition in decision.conditions.all()
        ],
    }
