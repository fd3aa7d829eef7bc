"""The programme's decision on a use case version after a closed round, and checking off its
conditions (docs/admin-rounds.md, "Decisions"). Two admins deciding at once: the round's version
row is locked first, so the second is told a decision has been recorded, never a second one."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Membership
from bold_portal.email import email_send_on_commit, portal_url
from bold_portal.models import audit
from principles.models import Principle
from reviews.models import Decision, DecisionCondition, Review, ReviewRound, RoundVersion
from usecases.models import UseCaseVersion

# How many conditions one decision may carry: the form offers this many rows.
CONDITIONS_MAX = 5


@dataclass(frozen=True)
class ConditionInput:
    principle: Principle
    text: str


def decision_record(
    *,
    review_round: ReviewRound,
    version: UseCaseVersion,
    outcome: str,
    reasons: str,
    conditions: Sequence[ConditionInput] = (),
    actor,
) -> Decision:
    """Record the programme's decision on a version reviewed in a closed round, with its reasons
    and, for go ahead with conditions, at least one condition tied to one of the round's
    principles. Once: a recorded decision stands. The organisations that reviewed the version are
    emailed after the commit."""
    reasons = (reasons or "").strip()
    with transaction.atomic():
        round_version = (
            RoundVersion.objects.select_for_update(of=("self",))
            .select_related("round", "version__use_case")
            .filter(round=review_round, version=version)
            .first()
        )
        if round_version is None:
            raise ValidationError(_("This use case version was not in the round."))
        if round_version.round.status != ReviewRound.Status.CLOSED:
            raise ValidationError(_("Decisions are recorded once the round has closed. Close the round first."))
        if Decision.objects.filter(round_version=round_version).exists():
            raise ValidationError(
                _("A decision on this use case has already been recorded in this round. Nothing has changed.")
            )
        _check_conditions(round_version.round, outcome, conditions)
        decision = Decision(
            round_version=round_version, outcome=outcome, reasons=reasons, decided_by=actor, decided_at=timezone.now()
        )
        decision.full_clean()
        decision.save()
        rows = [
            DecisionCondition(decision=decision, principle=item.principle, text=item.text.strip())
            for item in conditions
        ]
        for row in rows:
            row.full_clean(exclude=["decision"])
        DecisionCondition.objects.bulk_create(rows)
        audit(
            actor=actor,
            action="decision_recorded",
            obj=decision,
            after={
                "outcome": outcome,
                "reasons": reasons,
                "conditions": [{"principle": row.principle.slug, "text": row.text} for row in rows],
            },
            round=round_version.round.slug,
            version=version.pk,
        )
        _decision_emails(decision)
    return decision


def _check_conditions(review_round: ReviewRound, outcome: str, conditions: Sequence[ConditionInput]) -> None:
    if outcome == Decision.Outcome.GO_AHEAD_WITH_CONDITIONS and not conditions:
        raise ValidationError({"conditions": _("Enter at least one condition, or choose another decision")})
    if conditions and outcome != Decision.Outcome.GO_AHEAD_WITH_CONDITIONS:
        raise ValidationError(
            {"conditions": _("Only a decision to go ahead with conditions has conditions. Remove them, or choose it")}
        )
    if len(conditions) > CONDITIONS_MAX:
        raise ValidationError({"conditions": _("Enter at most %(count)s conditions") % {"count": CONDITIONS_MAX}})
    principles = set(review_round.principles.values_list("pk", flat=True))
    for item in conditions:
        if item.principle.pk not in principles:
            raise ValidationError({"conditions": _("Tie each condition to one of the round's principles")})
        if not item.text.strip():
            raise ValidationError({"conditions": _("Enter what each condition asks for")})


def decision_condition_check_off(
    *, condition: DecisionCondition, met_in_version: UseCaseVersion, actor
) -> DecisionCondition:
    """Record that a later version of the same use case meets a condition. Once: two admins at
    once, the second is told it has been checked off."""
    with transaction.atomic():
        condition = (
            DecisionCondition.objects.select_for_update(of=("self",))
            .select_related("decision__round_version__version", "decision__round_version__round")
            .get(pk=condition.pk)
        )
        if condition.is_met:
            raise ValidationError(_("This condition has already been checked off. Nothing has changed."))
        condition.met_in_version = met_in_version
        condition.met_by = actor
        condition.met_at = timezone.now()
        condition.full_clean()
        condition.save(update_fields=["met_in_version", "met_by", "met_at"])
        audit(
            actor=actor,
            action="decision_condition_met",
            obj=condition.decision,
            after={"condition": condition.pk, "met_in_version": met_in_version.pk, "number": met_in_version.number},
            round=condition.decision.round_version.round.slug,
            version=condition.decision.round_version.version_id,
        )
    return condition


def decision_audience(decision: Decision) -> list:
    """Who is told of a decision: the people who submitted a review of the version in the round,
    and the leads of their organisations, active accounts only, by email."""
    round_version = decision.round_version
    reviewed = Review.objects.filter(
        round_id=round_version.round_id, version_id=round_version.version_id, status=Review.Status.SUBMITTED
    )
    organisations = reviewed.exclude(organisation=None).values("organisation_id")
    leads = Membership.objects.filter(organisation_id__in=organisations, role=Membership.Role.LEAD).values("user_id")
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk__in=reviewed.values("reviewer_id")) | Q(pk__in=leads))
        .order_by("email")
    )


def _decision_emails(decision: Decision) -> None:
    round_version = decision.round_version
    version = round_version.version
    url = portal_url("matrix:version_summary", round_version.round.slug, version.use_case.slug, version.number)
    for person in decision_audience(decision):
        email_send_on_commit(
            template="reviews/email/decision_recorded",
            kind="decision_recorded",
            obj=decision,
            user=person,
            to=[person.email],
            context={
                "name": person.get_full_name(),
                "round": round_version.round,
                "title": version.title,
                "outcome": decision.get_outcome_display(),
                "reasons": decision.reasons,
                "conditions": [
                    {"principle": row.principle.name, "text": row.text}
                    for row in decision.conditions.select_related("principle")
                ],
                "url": url,
            },
        )
