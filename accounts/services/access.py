"""What an account may reach: switched on or off, and its BOLD staff roles (Django groups, see
bold_portal.roles). Taking access away revokes what depends on it (access_withdrawn)."""

from collections.abc import Sequence

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.signals import access_withdrawn, account_active_changed
from bold_portal.field_changes import fields_update
from bold_portal.models import audit
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS

# The BOLD staff roles, as invitations and the people pages name them, and the group each gives.
STAFF_ROLE_GROUPS = {"analyst": ANALYSTS, "author": AUTHORS, "admin": ADMINS}
# The staff roles that read every use case's results (and may have API tokens).
RESULT_READING_GROUPS = {ANALYSTS, ADMINS}


def account_active_set(*, user, is_active: bool, actor):
    """Switch an account off (it cannot sign in and is not expected to review; its work is kept;
    its API tokens are revoked, through access_withdrawn) or back on. Nobody can switch their own
    account off."""
    if not is_active and actor is not None and actor.pk == user.pk:
        raise ValidationError({"is_active": _("You cannot switch off your own account. Ask another admin.")})
    if is_active and user.erased_at is not None:
        raise ValidationError({"is_active": _("This account was erased. Invite the person again instead.")})
    with transaction.atomic():
        user = fields_update(
            obj=user,
            values={"is_active": is_active},
            actor=actor,
            action="account_switched_on" if is_active else "account_switched_off",
        )
        account_active_changed.send(sender=account_active_set, user=user)
        if not is_active:
            access_withdrawn.send(sender=account_active_set, user=user, actor=actor, reason="switched_off")
    return user


def account_staff_roles_set(*, user, roles: Sequence[str], actor):
    """Give an account exactly these BOLD staff roles (analyst, author, programme admin; none is
    allowed). Memberships of organisations are not touched. Taking away analyst or programme admin
    revokes the person's API tokens (access_withdrawn), even when the other of the two stays. An
    admin cannot take away their own admin role, so that the portal never loses its last way in by
    accident."""
    unknown = sorted(set(roles) - set(STAFF_ROLE_GROUPS))
    if unknown:
        raise ValidationError({"roles": _("Choose analyst, author or programme admin")})
    if actor is not None and actor.pk == user.pk and "admin" not in roles and not user.is_superuser:
        raise ValidationError({"roles": _("You cannot take away your own admin role. Ask another admin.")})
    groups = {STAFF_ROLE_GROUPS[role] for role in roles}
    with transaction.atomic():
        current = set(user.groups.filter(name__in=STAFF_ROLE_GROUPS.values()).values_list("name", flat=True))
        if current == groups:
            return user
        user.groups.remove(*Group.objects.filter(name__in=current - groups))
        user.groups.add(*Group.objects.filter(name__in=groups - current))
        audit(
            actor=actor,
            action="account_roles_changed",
            obj=user,
            before={"roles": sorted(current)},
            after={"roles": sorted(groups)},
        )
        if (current - groups) & RESULT_READING_GROUPS:
            access_withdrawn.send(sender=account_staff_roles_set, user=user, actor=actor, reason="staff_role_removed")
    return user
