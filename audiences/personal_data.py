"""Audiences' part of a person's personal data (accounts.personal_data_holders): their places in
organisations and pilot teams and the invitations to their address go when they are erased, and
invitations no longer waiting go once their retention period ends."""

import datetime
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from accounts.personal_data_holders import ErasedRows, eraser, purger
from audiences.models import Audience, Invitation, MemberReminder, Membership


@eraser("audiences")
def memberships_and_invitations_erase(*, user, email: str) -> ErasedRows:
    memberships = Membership.objects.filter(user=user)
    before = {
        "memberships": sorted(memberships.values_list("organisation_id", flat=True)),
        "authored_audiences": sorted(Audience.objects.filter(authors=user).values_list("pk", flat=True)),
    }
    memberships.delete()
    user.authored_audiences.clear()
    invitations = Invitation.objects.filter(email__iexact=email).delete()[0]
    reminders = MemberReminder.objects.filter(user=user).delete()[0]
    MemberReminder.objects.filter(sent_by=user).update(sent_by=None)
    return ErasedRows(
        before=before,
        after={"memberships": [], "authored_audiences": []},
        details={"invitations_deleted": invitations, "member_reminders_deleted": reminders},
    )


@purger("invitations")
def invitations_purge(now: datetime.datetime) -> int:
    """Invitations no longer waiting (used, cancelled or expired) made more than
    RETENTION_INVITATIONS_DAYS ago; a link still waiting is kept however old."""
    with transaction.atomic():
        return (
            Invitation.objects.filter(created_at__lt=now - timedelta(days=settings.RETENTION_INVITATIONS_DAYS))
            .exclude(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now)
            .delete()[0]
        )


@purger("member_reminders")
def member_reminders_purge(now: datetime.datetime) -> int:
    """Leads' reminders to members sent more than RETENTION_MEMBER_REMINDERS_DAYS ago."""
    with transaction.atomic():
        cutoff = now - timedelta(days=settings.RETENTION_MEMBER_REMINDERS_DAYS)
        return MemberReminder.objects.filter(sent_at__lt=cutoff).delete()[0]
