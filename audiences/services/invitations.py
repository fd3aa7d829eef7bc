"""Invitations: an emailed link that lets someone join an organisation, or BOLD staff. Only a hash
of the link's token is stored; each change runs in one transaction and writes an audit row."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services.access import STAFF_ROLE_GROUPS
from audiences.models import Invitation, Membership, Organisation
from audiences.services.memberships import manage_permission_check
from audiences.signals import membership_changed
from bold_portal.email import email_send, portal_url
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from bold_portal.roles import is_admin


class InvitationRefused(Exception):
    """The invitation link cannot be used; the message says why and what to do."""


def invitation_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def invitation_create(
    *, organisation: Organisation | None, email: str, role: str, invited_by
) -> tuple[Invitation, str]:
    """Invite email into organisation (or, with no organisation, into BOLD staff as an analyst,
    author or programme admin) and send the link. Any older link still waiting for the same
    address and the same place stops working: only the newest works. Returns the invitation and
    the raw token, which is stored nowhere: only the emailed link carries it."""
    if organisation is None:
        if not is_admin(invited_by):
            raise PermissionDenied(_("Only programme admins can invite BOLD staff."))
    elif not invited_by.has_perm("audiences.invite_to_organisation", organisation):
        raise PermissionDenied(_("You can only invite people to an organisation you lead."))
    raw_token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email.strip().lower(),
        organisation=organisation,
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        token_hash=invitation_token_hash(raw_token),
    )
    invitation.full_clean()
    _invitation_changes_something(invitation)
    with transaction.atomic():
        cancelled = _older_invitations_cancel(invitation)
        invitation.save()
        audit(
            actor=invited_by,
            action="invitation_sent",
            obj=invitation,
            after={"role": role, "organisation": organisation.pk if organisation else None},
            cancelled_invitations=cancelled,
        )
        # Sent inside the transaction: if the email cannot be sent, no invitation is left behind.
        _invitation_email_send(invitation=invitation, raw_token=raw_token)
    return invitation, raw_token


def _pending_invitations():
    return Invitation.objects.filter(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now())


def _older_invitations_cancel(invitation: Invitation) -> list[int]:
    """Cancel the links still waiting for the same address and place; returns their ids."""
    older = list(
        _pending_invitations()
        .select_for_update(of=("self",))
        .filter(email__iexact=invitation.email, organisation=invitation.organisation)
        .order_by()
        .values_list("pk", flat=True)
    )
    if older:
        Invitation.objects.filter(pk__in=older).update(cancelled_at=timezone.now())
    return older


def _invitation_changes_something(invitation: Invitation) -> None:
    """Refuse an invitation that would give nobody anything: its address is already in the
    organisation in that role, or as a lead (inviting a reviewer as a lead is a promotion); or,
    for BOLD staff, the account already has that role."""
    if invitation.organisation is None:
        user = get_user_model().objects.filter(email__iexact=invitation.email).order_by("pk").first()
        if user is not None and user.groups.filter(name=STAFF_ROLE_GROUPS[invitation.role]).exists():
            raise ValidationError(
                {
                    "email": _("%(email)s is already %(role)s. You do not need to invite them.")
                    % {"email": invitation.email, "role": _role_phrase(invitation.role)}
                }
            )
        return
    membership = (
        Membership.objects.filter(organisation=invitation.organisation, user__email__iexact=invitation.email)
        .order_by("pk")
        .first()
    )
    if membership and membership.role in {invitation.role, Membership.Role.LEAD}:
        raise ValidationError(
            {
                "email": _(
                    "%(email)s is already a member of %(organisation)s, as %(role)s. You do not need to invite them."
                )
                % {
                    "email": invitation.email,
                    "organisation": invitation.organisation.name,
                    "role": membership.get_role_display().lower(),
                }
            }
        )


def _role_phrase(role: str) -> str:
    return {
        Invitation.Role.ANALYST: _("an analyst"),
        Invitation.Role.AUTHOR: _("an author"),
        Invitation.Role.ADMIN: _("a programme admin"),
    }[role]


def _invitation_email_send(*, invitation: Invitation, raw_token: str) -> None:
    # Replies go to the person who invited, or to INVITATION_REPLY_TO where it is set.
    reply_to = settings.INVITATION_REPLY_TO or invitation.invited_by.email
    email_send(
        template="audiences/email/invitation",
        kind="invitation",
        obj=invitation,
        holds_secret=True,
        to=[invitation.email],
        reply_to=[reply_to],
        context={
            "invitation": invitation,
            "inviter_name": invitation.invited_by.get_full_name() or invitation.invited_by.email,
            "accept_url": portal_url("audiences:invitation_accept", raw_token),
            "valid_days": settings.INVITATION_VALID_DAYS,
        },
    )


def invitation_for_token(raw_token: str, *, lock: bool = False) -> Invitation:
    """The usable invitation for raw_token, or InvitationRefused saying why it cannot be used."""
    invitations = Invitation.objects.select_related("organisation", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    try:
        invitation = invitations.get(token_hash=invitation_token_hash(raw_token))
    except Invitation.DoesNotExist:
        raise InvitationRefused(
            _(
                "This invitation link is not valid. Check that you copied the whole link from the email, "
                "or ask the person who invited you to send a new invitation."
            )
        ) from None
    if invitation.accepted_at is not None:
        raise InvitationRefused(
            _(
                "This invitation link has already been used. Sign in with your email address and password, "
                "or ask the person who invited you to send a new invitation."
            )
        )
    if invitation.cancelled_at is not None:
        raise InvitationRefused(
            _(
                "This invitation link has been cancelled. If you were sent a newer invitation, use the link "
                "in that email, or ask the person who invited you to send a new one."
            )
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(
            _("This invitation link has expired. Ask the person who invited you to send a new invitation.")
        )
    return invitation


def invitation_existing_user(invitation: Invitation):
    """The account that already uses the invited email address, if there is one."""
    return get_user_model().objects.filter(email__iexact=invitation.email).order_by("pk").first()


def invitation_existing_password_message(email: str) -> str:
    return _("Enter the password you already use to sign in with %(email)s") % {"email": email}


def invitation_accept(*, raw_token: str, name: str = "", password: str = "", account=None):
    """Use the invitation: create the person's account with name and password, or, if the email
    address already has one, join it, given as account: what authenticate() returned for the
    password the person typed, so that the sign-in lockout counts wrong ones (this service never
    checks an existing password itself). Gives them their place in the organisation. Returns the
    user, for the view to sign in."""
    with transaction.atomic():
        invitation = invitation_for_token(raw_token, lock=True)
        user = invitation_existing_user(invitation)
        new_account = user is None
        if new_account:
            user = _invited_user_create(invitation=invitation, name=name, password=password)
        elif account is None or account.pk != user.pk:
            raise ValidationError({"password": invitation_existing_password_message(user.email)})
        if invitation.organisation is None:
            if not user.is_active:
                raise InvitationRefused(
                    _("This account has been switched off. Ask the BOLD programme team to switch it back on.")
                )
            user.groups.add(Group.objects.get(name=STAFF_ROLE_GROUPS[invitation.role]))
        else:
            membership, created = Membership.objects.get_or_create(
                user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
            )
            membership_changed.send(sender=Invitation, organisation_id=invitation.organisation_id)
            if created:  # the same row an admin's adding someone writes
                audit(
                    actor=user,
                    action="membership_created",
                    obj=membership,
                    user_id=user.pk,
                    organisation=invitation.organisation_id,
                    before={},
                    after={"role": membership.role},
                    invitation=invitation.pk,
                )
            elif invitation.role == Membership.Role.LEAD and membership.role != Membership.Role.LEAD:
                before_role = membership.role
                membership.role = Membership.Role.LEAD
                membership.save(update_fields=["role"])
                audit(
                    actor=user,
                    action="membership_role_changed",
                    obj=membership,
                    user_id=user.pk,
                    organisation=invitation.organisation_id,
                    before={"role": before_role},
                    after={"role": membership.role},
                    invitation=invitation.pk,
                )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit(
            actor=user,
            action="invitation_accepted",
            obj=invitation,
            before={"accepted_at": None},
            after={"accepted_at": audit_value(invitation.accepted_at)},
            user_id=user.pk,
            new_account=new_account,
        )
    return user


def _invited_user_create(*, invitation: Invitation, name: str, password: str):
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Enter your full name")})
    user = get_user_model()(email=invitation.email, full_name=name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def invitation_cancel(*, invitation: Invitation, actor) -> Invitation:
    """Stop a waiting invitation's link from working."""
    _invitation_may_manage(actor, invitation)
    with transaction.atomic():
        fresh = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
        if fresh.accepted_at is not None:
            raise ValidationError(
                {"invitation": _("This invitation has been used already, so it cannot be cancelled.")}
            )
        if fresh.cancelled_at is not None:
            return fresh
        fresh.cancelled_at = timezone.now()
        fresh.save(update_fields=["cancelled_at"])
        audit(
            actor=actor,
            action="invitation_cancelled",
            obj=fresh,
            before={"cancelled_at": None},
            after={"cancelled_at": audit_value(fresh.cancelled_at)},
        )
    return fresh


def invitation_resend(*, invitation: Invitation, actor) -> tuple[Invitation, str]:
    """Send a new link for the same address, place and role; the old link stops working."""
    _invitation_may_manage(actor, invitation)
    if invitation.accepted_at is not None:
        raise ValidationError({"invitation": _("This invitation has been used already. There is nothing to resend.")})
    return invitation_create(
        organisation=invitation.organisation, email=invitation.email, role=invitation.role, invited_by=actor
    )


def _invitation_may_manage(actor, invitation: Invitation) -> None:
    if invitation.organisation is None:
        if not is_admin(actor):
            raise PermissionDenied(_("Only programme admins can manage staff invitations."))
    else:
        manage_permission_check(actor, invitation.organisation)
