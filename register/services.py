"""Changes to the public register (docs/register.md): an admin publishes a decided use case after a
preview, or withdraws it with a reason; an organisation's lead agrees, or no longer agrees, that the
register may name it. Each is one transaction with an audit row; publishing and withdrawing write a
change for the feed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Membership, Organisation
from bold_portal.models import audit
from register.models import WITHDRAWAL_REASON_MAX, NameConsent, RegisterChange, RegisterEntry
from register.selectors import entry_snapshot
from reviews.models import Decision, ReviewRound
from usecases.models import UseCase


def register_entry_publish(*, decision: Decision, actor) -> RegisterEntry:
    """Publish the use case's page as it reads now (a snapshot), or bring its page up to date: only
    for a decision to go ahead, with or without conditions, after a closed round, and never a decision
    older than the one on the register. Two admins at once take turns on the use case's row."""
    with transaction.atomic():
        use_case_id = decision.round_version.version.use_case_id
        UseCase.objects.select_for_update(of=("self",)).get(pk=use_case_id)
        decision = Decision.objects.select_related("round_version__round", "round_version__version__use_case").get(
            pk=decision.pk
        )
        if not decision.goes_ahead:
            raise ValidationError(_("Only a use case the programme decided to go ahead with can be published."))
        if decision.round_version.round.status != ReviewRound.Status.CLOSED:
            raise ValidationError(_("Only a decision after a closed round can be published."))
        entry = RegisterEntry.objects.filter(use_case_id=use_case_id).select_related("decision").first()
        if entry is not None and entry.decision.decided_at > decision.decided_at:
            raise ValidationError(_("A later decision on this use case is already on the register. Publish that one."))
        now = timezone.now()
        snapshot = entry_snapshot(decision)
        if entry is None:
            entry = RegisterEntry(use_case_id=use_case_id, first_published_at=now)
            kind = RegisterChange.Kind.PUBLISHED
        else:
            kind = RegisterChange.Kind.UPDATED if entry.is_published else RegisterChange.Kind.PUBLISHED
        before = None if entry.pk is None else {"status": entry.status, "decision": entry.decision_id}
        entry.decision = decision
        entry.status = RegisterEntry.Status.PUBLISHED
        entry.snapshot = snapshot
        entry.published_at = now
        entry.published_by = actor
        entry.withdrawn_at = None
        entry.withdrawal_reason = ""
        entry.full_clean()
        entry.save()
        sentence = (
            _("Published on the register: the programme decided %(decision)s.")
            if kind == RegisterChange.Kind.PUBLISHED
            else _("Updated on the register: the programme decided %(decision)s.")
        ) % {"decision": snapshot["decision"]["outcome_words"].lower()}
        RegisterChange.objects.create(entry=entry, kind=kind, title=snapshot["title"], sentence=sentence, at=now)
        audit(
            actor=actor,
            action="register_entry_updated" if kind == RegisterChange.Kind.UPDATED else "register_entry_published",
            obj=entry,
            before=before,
            after={
                "status": entry.status,
                "decision": decision.pk,
                "organisations_named": snapshot["review"]["organisations_named"],
            },
            round=decision.round_version.round.slug,
            version=decision.round_version.version_id,
        )
    return entry


def register_entry_withdraw(*, entry: RegisterEntry, reason: str, actor) -> RegisterEntry:
    """Take a published entry off the register: its page then answers 410 Gone with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Enter why the use case is withdrawn from the register")})
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise ValidationError(
            {"reason": _("The reason must be %(limit)s characters or fewer") % {"limit": f"{WITHDRAWAL_REASON_MAX:,}"}}
        )
    with transaction.atomic():
        entry = RegisterEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if not entry.is_published:
            raise ValidationError(_("This use case has already been withdrawn from the register. Nothing has changed."))
        now = timezone.now()
        entry.status = RegisterEntry.Status.WITHDRAWN
        entry.withdrawn_at = now
        entry.withdrawal_reason = reason
        entry.full_clean()
        entry.save(update_fields=["status", "withdrawn_at", "withdrawal_reason"])
        RegisterChange.objects.create(
            entry=entry,
            kind=RegisterChange.Kind.WITHDRAWN,
            title=entry.snapshot.get("title", ""),
            sentence=_("Withdrawn from the register: %(reason)s") % {"reason": reason},
            at=now,
        )
        audit(
            actor=actor,
            action="register_entry_withdrawn",
            obj=entry,
            before={"status": RegisterEntry.Status.PUBLISHED},
            after={"status": entry.status, "reason": reason},
        )
    return entry


def register_name_consent_set(*, organisation: Organisation, agreed: bool, actor) -> NameConsent:
    """A lead of the organisation says whether the register may name it among the organisations that
    reviewed. It takes effect at each entry's next publish."""
    if not Membership.objects.filter(organisation=organisation, user=actor, role=Membership.Role.LEAD).exists():
        raise ValidationError(_("Only a lead of %(name)s can decide this.") % {"name": organisation.name})
    with transaction.atomic():
        consent, _created = NameConsent.objects.select_for_update(of=("self",)).get_or_create(
            organisation=organisation, defaults={"agreed": False, "changed_at": timezone.now()}
        )
        if consent.agreed == agreed:
            return consent
        consent.agreed = agreed
        consent.changed_by = actor
        consent.changed_at = timezone.now()
        consent.full_clean()
        consent.save()
        audit(
            actor=actor,
            action="register_name_agreed" if agreed else "register_name_withdrawn",
            obj=organisation,
            before={"agreed": not agreed},
            after={"agreed": agreed},
            organisation=organisation.slug,
        )
    return consent
