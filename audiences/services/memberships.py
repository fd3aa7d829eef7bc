"""Members of an organisation: their role, their removal, and a lead's reminder. Each change runs
in one transaction, under the organisation's row lock, and writes an audit row."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import MemberReminder, Membership, Organisation
from audiences.signals import membership_changed, membership_removed
from bold_portal.email import email_send, portal_url
from bold_portal.models import audit


def _locked_membership(membership: Membership) -> Membership:
    """The membership, row-locked for a change of role or its removal, after its organisation's
    row: changes to one organisation's members take turns there, so two leads removing each other
    at the same moment cannot leave it with none, and neither waits for the other's membership
    while holding its own (a deadlock). The organisation's lock leaves its key alone, so reviews
    and other rows that refer to it are not held up."""
    Organisation.objects.select_for_update(of=("self",), no_key=True).get(pk=membership.organisation_id)
    locked = Membership.objects.select_for_update(of=("self",)).select_related("user", "organisation")
    return locked.get(pk=membership.pk)


def _check_not_last_lead(membership: Membership, *, field: str) -> None:
    """Refuse to leave the organisation without a lead (under _locked_membership's locks)."""
    if membership.role != Membership.Role.LEAD:
        return
    leads = list(
        Membership.objects.filter(organisation=membership.organisation, role=Membership.Role.LEAD).values_list(
            "pk", flat=True
        )
    )
    if not set(leads) - {membership.pk}:
        raise ValidationError(
            {
                field: _("%(name)s is the only lead of %(organisation)s. Make someone else a lead first.")
                % {"name": membership.user.get_short_name(), "organisation": membership.organisation.name}
            }
        )


def manage_permission_check(actor, organisation: Organisation) -> None:
    """Refuse actor (None: the portal itself) unless they may manage organisation's members."""
    if actor is not None and not actor.has_perm("audiences.manage_organisation", organisation):
        raise PermissionDenied(_("You can only manage an organisation you lead."))


def membership_create(*, user, organisation: Organisation, role: str, actor) -> Membership:
    """Give a person who has an account a place in an organisation, as a reviewer or a lead
    (create-only: someone already a member is refused; membership_role_change changes a role).
    People usually join by accepting an invitation; this serves those the portal adds itself."""
    manage_permission_check(actor, organisation)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose reviewer or organisation lead")})
    membership = Membership(user=user, organisation=organisation, role=role)
    with transaction.atomic():
        # Under the organisation's row lock, as every change of its members.
        Organisation.objects.select_for_update(of=("self",), no_key=True).get(pk=organisation.pk)
        membership.full_clean()
        membership.save()
        audit(
            actor=actor,
            action="membership_created",
            obj=membership,
            user_id=user.pk,
            organisation=organisation.pk,
            before={},
            after={"role": role},
        )
        membership_changed.send(sender=membership_create, organisation_id=organisation.pk)
    return membership


def membership_role_change(*, membership: Membership, role: str, actor) -> Membership:
    """Make a member a reviewer or a lead of their organisation. The last lead stays a lead."""
    manage_permission_check(actor, membership.organisation)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose reviewer or organisation lead")})
    with transaction.atomic():
        fresh = _locked_membership(membership)
        if fresh.role == role:
            return fresh
        if role != Membership.Role.LEAD:
            _check_not_last_lead(fresh, field="role")
        before = fresh.role
        fresh.role = role
        fresh.full_clean()
        fresh.save(update_fields=["role"])
        audit(
            actor=actor,
            action="membership_role_changed",
            obj=fresh,
            user_id=fresh.user_id,
            organisation=fresh.organisation_id,
            before={"role": before},
            after={"role": role},
        )
        membership_changed.send(sender=membership_role_change, organisation_id=fresh.organisation_id)
    return fresh


def membership_remove(*, membership: Membership, actor) -> None:
    """Take a person out of an organisation. Their account and their reviews are kept. The last
    lead cannot be removed (make someone else a lead first)."""
    manage_permission_check(actor, membership.organisation)
    with transaction.atomic():
        fresh = _locked_membership(membership)
        _check_not_last_lead(fresh, field="membership")
        audit(
            actor=actor,
            action="membership_removed",
            obj=fresh,
            before={"user_id": fresh.user_id, "organisation": fresh.organisation_id, "role": fresh.role},
            after={},
        )
        fresh.delete()
        membership_changed.send(sender=membership_remove, organisation_id=fresh.organisation_id)
        membership_removed.send(sender=membership_remove, user=fresh.user, organisation=fresh.organisation, actor=actor)


@dataclass(frozen=True)
class ReminderItem:
    """One line of a reminder: what is waiting (a use case's title, round and due date), and the
    full address of its page."""

    text: str
    url: str = ""


def member_remind(*, organisation: Organisation, user, items: Sequence[str | ReminderItem], actor) -> MemberReminder:
    """Email a member of organisation a plain reminder of the reviews waiting for them (items:
    one line each, such as a use case's title and due date, with a link to it). The caller works
    out the items; this service knows nothing of rounds. At most one reminder a person a day from
    the organisation, whichever lead sends it: the stored MemberReminder (who sent it and when, for
    the lead's page) is unique per organisation, person and day, so two leads pressing at once
    send one. Recorded as an audit row on
    the person's account."""
    manage_permission_check(actor, organisation)
    if not Membership.objects.filter(organisation=organisation, user=user, user__is_active=True).exists():
        raise ValidationError({"member": _("This person is not an active member of the organisation.")})
    lines = [item if isinstance(item, ReminderItem) else ReminderItem(text=item) for item in items]
    if not lines:
        raise ValidationError({"member": _("%(name)s has nothing left to submit.") % {"name": user.get_short_name()}})
    now = timezone.now()
    reminder = MemberReminder(
        organisation=organisation, user=user, sent_by=actor, sent_at=now, sent_on=timezone.localdate(now)
    )
    context = {
        "name": user.full_name,
        "organisation": organisation.name,
        "items": lines,
        "sender": actor.get_full_name() or actor.email,
        "url": portal_url("home"),
    }
    once_a_day = _("%(name)s has already been sent a reminder today. You can send one reminder a day.") % {
        "name": user.get_short_name()
    }
    if MemberReminder.objects.filter(organisation=organisation, user=user, sent_on=reminder.sent_on).exists():
        raise ValidationError({"member": once_a_day})
    try:
        with transaction.atomic():
            reminder.save()
            audit(
                actor=actor,
                action="member_reminded",
                obj=user,
                organisation=organisation.pk,
                items=[line.text for line in lines],
            )
            # Replies go to the lead who sent the reminder.
            email_send(
                template="audiences/email/reminder",
                kind="member_reminder",
                obj=reminder,
                user=user,
                to=[user.email],
                context=context,
                reply_to=[actor.email],
            )
    except IntegrityError as error:  # another lead's reminder was saved a moment ago
        raise ValidationError({"member": once_a_day}) from error
    return reminder
