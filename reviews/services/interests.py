"""Organisations' declared interests in use cases: declaring one, withdrawing it, and a programme
admin's override (docs/declined-and-interests.md). Each change runs in one transaction and writes
an audit row."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Organisation
from bold_portal.models import audit
from reviews.models import Assignment, DeclaredInterest, ReviewRound


def interest_refusal(interest: DeclaredInterest) -> str:
    """Why a reviewer cannot review a use case their organisation declared an interest in."""
    return _(
        "%(organisation)s has declared an interest in this use case, so its members do not review it. "
        "If you think this is wrong, ask a programme admin."
    ) % {"organisation": interest.organisation.name}


def interest_declare(*, organisation: Organisation, use_case, reason: str, actor) -> DeclaredInterest:
    """Record an organisation's interest in a use case. From then on the organisation and its
    members are not given it and cannot review it; their assignments of it in rounds that have not
    closed are taken away (reviews already written are kept, as when an assignment is removed)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the interest is, such as a contract with a receiving body")})
    interest = DeclaredInterest(organisation=organisation, use_case=use_case, reason=reason, declared_by=actor)
    try:
        with transaction.atomic():
            interest.full_clean(exclude=["declared_by"])
            interest.save()
            assignments = Assignment.objects.filter(
                Q(organisation=organisation) | Q(reviewer__memberships__organisation=organisation),
                version__use_case=use_case,
                round__status__in=[ReviewRound.Status.DRAFT, ReviewRound.Status.OPEN],
            )
            removed = sorted(set(assignments.values_list("pk", flat=True)))
            Assignment.objects.filter(pk__in=removed).delete()
            audit(
                actor=actor,
                action="interest_declared",
                obj=interest,
                organisation=organisation.slug,
                use_case=use_case.slug,
                reason=reason,
                assignments_removed=removed,
            )
    except IntegrityError as error:  # the same declaration was saved a moment ago
        raise ValidationError(_("This organisation has already declared an interest in this use case.")) from error
    return interest


def _standing_interest(interest: DeclaredInterest) -> DeclaredInterest:
    locked = DeclaredInterest.objects.select_for_update(of=("self",)).select_related("organisation")
    interest = locked.get(pk=interest.pk)
    if interest.withdrawn_at:
        raise ValidationError(_("This declaration has already been withdrawn."))
    return interest


def interest_withdraw(*, interest: DeclaredInterest, actor) -> DeclaredInterest:
    """Withdraw a declaration: the organisation may be given the use case again (assign by rule
    fills the gap). It is kept, marked withdrawn."""
    with transaction.atomic():
        interest = _standing_interest(interest)
        interest.withdrawn_at, interest.withdrawn_by = timezone.now(), actor if getattr(actor, "pk", None) else None
        interest.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit(actor=actor, action="interest_withdrawn", obj=interest)
    return interest


def interest_override(*, interest: DeclaredInterest, reason: str, actor) -> DeclaredInterest:
    """Let the organisation review the use case despite its declaration (a programme admin's
    decision, with the reason recorded). The matrix still marks the cells its reviews are in."""
    reason = reason.strip()
    with transaction.atomic():
        interest = _standing_interest(interest)
        if interest.is_overridden:
            raise ValidationError(_("This declaration has already been overridden."))
        if not reason:
            raise ValidationError({"override_reason": _("Say why the organisation may review the use case")})
        interest.override_reason, interest.overridden_at = reason, timezone.now()
        interest.overridden_by = actor if getattr(actor, "pk", None) else None
        interest.full_clean(exclude=["declared_by", "overridden_by", "withdrawn_by"])
        interest.save(update_fields=["override_reason", "overridden_at", "overridden_by"])
        audit(actor=actor, action="interest_overridden", obj=interest, reason=reason)
    return interest
