"""Personal data: erasure on request and deletion once retention ends
(docs/audit-and-personal-data.md). Each app above accounts removes its own rows through
accounts.personal_data_holders."""

import datetime
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from accounts import personal_data_holders
from accounts.signals import access_withdrawn, account_active_changed
from bold_portal.models import audit
from bold_portal.services import audit_rows_purge

SIGN_IN_RECORDS = (AccessAttempt, AccessFailureLog, AccessLog)


def erased_email(user) -> str:
    """The address an erased account keeps: unique, and about nobody (.invalid never delivers)."""
    return f"erased-{user.pk}@erased.invalid"


def account_erase(*, user, actor):
    """Erase a person's personal data on their request. Their name, email address, password,
    roles, sessions, sign-in records and two-step sign-in devices go, and so do the rows other apps
    hold about them (memberships, pilot-team places, invitations to their address: each app's
    registered eraser); their API tokens are revoked (access_withdrawn), and the account is switched
    off for good. The account itself stays, anonymous, so that the reviews it wrote keep counting
    under the same pseudonym and show as a former reviewer's. Audit rows keep its id; they never
    held its name or address. Nobody can erase their own account."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"account": _("You cannot erase your own account. Ask another admin.")})
    with transaction.atomic():
        user = get_user_model().objects.select_for_update(of=("self",)).get(pk=user.pk)
        if user.erased_at is not None:
            raise ValidationError({"account": _("This account's personal data has already been erased.")})
        email = user.email
        before = {"is_active": user.is_active, "roles": sorted(user.groups.values_list("name", flat=True))}
        after = {"is_active": False, "roles": []}
        details = {}
        for erase in personal_data_holders.erasers():
            erased = erase(user=user, email=email)
            before.update(erased.before)
            after.update(erased.after)
            details.update(erased.details)
        user.groups.clear()
        user.user_permissions.clear()
        sessions = [
            session.pk
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        Session.objects.filter(pk__in=sessions).delete()
        for model in SIGN_IN_RECORDS:
            model.objects.filter(username__iexact=email).delete()
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        access_withdrawn.send(sender=account_erase, user=user, actor=actor, reason="erased")
        user.email, user.full_name = erased_email(user), ""
        user.set_unusable_password()
        user.is_active = user.is_staff = user.is_superuser = False
        user.last_login = None
        user.erased_at = timezone.now()
        user.save()
        account_active_changed.send(sender=account_erase, user=user)
        audit(
            actor=actor,
            action="account_erased",
            obj=user,
            before=before,
            after=after,
            **details,
            sessions_deleted=len(sessions),
        )
    return user


def personal_data_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what has outlived its retention period (settings RETENTION_*): each app's registered
    kinds (invitations no longer waiting, made more than RETENTION_INVITATIONS_DAYS ago); expired
    sessions; sign-in records (django-axes) older than RETENTION_SIGN_IN_RECORDS_DAYS; audit rows
    older than RETENTION_AUDIT_DAYS. Run daily by the beat (accounts.tasks); each kind is deleted in
    its own transaction, so one failing leaves the others done. Returns how many rows of each kind
    went, by kind."""
    now = now or timezone.now()
    purged = {kind: purge(now) for kind, purge in personal_data_holders.purgers().items()}
    with transaction.atomic():
        purged["sessions"] = Session.objects.filter(expire_date__lt=now).delete()[0]
    cutoff = now - timedelta(days=settings.RETENTION_SIGN_IN_RECORDS_DAYS)
    with transaction.atomic():
        purged["sign_in_records"] = sum(
            model.objects.filter(attempt_time__lt=cutoff).delete()[0] for model in SIGN_IN_RECORDS
        )
    purged["audit_rows"] = audit_rows_purge(before=now - timedelta(days=settings.RETENTION_AUDIT_DAYS))
    return purged
