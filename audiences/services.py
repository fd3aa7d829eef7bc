"""Invitations: how people join an organisation. Each action runs in one transaction and writes an audit row."""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Invitation, Membership, Organisation
from bold_portal.models import audit, audit_many


class InvitationRefused(Exception):
    """The invitation link cannot be used; the message says why and what to do."""


def invitation_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def invitation_create(*, organisation: Organisation, email: str, role: str, invited_by) -> tuple[Invitation, str]:
    """Invite email into organisation and send the link. Returns the invitation and the raw token,
    which is stored nowhere: only the emailed link carries it."""
    if not invited_by.has_perm("audiences.invite_to_organisation", organisation):
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
        invitation.save()
        audit(actor=invited_by, action="invitation_create", obj=invitation, email=invitation.email, role=role)
        # Sent inside the transaction: if the email cannot be sent, no invitation is left behind.
        _invitation_email_send(invitation=invitation, raw_token=raw_token)
    return invitation, raw_token


def _invitation_changes_something(invitation: Invitation) -> None:
    """Refuse an invitation that would give nobody anything: its address is already in the
    organisation in that role, or as a lead. (Inviting a reviewer as a lead is a promotion.)"""
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


def _invitation_email_send(*, invitation: Invitation, raw_token: str) -> None:
    context = {
        "invitation": invitation,
        "inviter_name": invitation.invited_by.get_full_name() or invitation.invited_by.email,
        "accept_url": settings.PORTAL_URL + reverse("audiences:invitation_accept", args=[raw_token]),
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    subject = render_to_string("audiences/email/invitation_subject.txt", context).strip()
    body = render_to_string("audiences/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_for_token(raw_token: str, *, lock: bool = False) -> Invitation:
    """The usable invitation for raw_token, or InvitationRefused saying why it cannot be used."""
    invitations = Invitation.objects.select_related("organisation")
    if lock:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(token_hash=invitation_token_hash(raw_token)).first()
    if invitation is None:
        raise InvitationRefused(
            _(
                "This invitation link is not valid. Check that you copied the whole link from the email, "
                "or ask the person who invited you to send a new invitation."
            )
        )
    if invitation.accepted_at is not None:
        raise InvitationRefused(
            _(
                "This invitation link has already been used. Sign in with your email address and password, "
                "or ask the person who invited you to send a new invitation."
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


def invitation_accept(*, raw_token: str, name: str, password: str):
    """Use the invitation: create the person's account (or, if the email address already has one,
    check its password) and give them their place in the organisation. Returns the user, for the
    view to sign in."""
    with transaction.atomic():
        invitation = invitation_for_token(raw_token, lock=True)
        user = invitation_existing_user(invitation)
        new_account = user is None
        if new_account:
            user = _invited_user_create(invitation=invitation, name=name, password=password)
        elif not user.check_password(password):
            raise ValidationError(
                {"password": _("Enter the password you already use to sign in with %(email)s") % {"email": user.email}}
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        if not created and invitation.role == Membership.Role.LEAD and membership.role != Membership.Role.LEAD:
            membership.role = Membership.Role.LEAD
            membership.save(update_fields=["role"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit(actor=user, action="invitation_accept", obj=invitation, user_id=user.pk, new_account=new_account)
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


def sign_in_lockout_clear(*, user) -> None:
    """After a password reset the person may sign in at once: failed sign-ins with their email
    address stop counting (django-axes), wherever they came from."""
    with transaction.atomic():
        cleared = axes_reset(username=user.email.strip().lower())
        if cleared:
            audit(actor=user, action="sign_in_lockout_cleared", obj=user, failed_attempts_cleared=cleared)


@dataclass(frozen=True)
class ReviewersEnsured:
    users: dict  # by the email address as given
    created: list[str]  # the addresses that got a new account


def reviewers_ensure(*, people: Mapping[str, Organisation], actor) -> ReviewersEnsured:
    """Make sure each email address has an account, matched whatever its letter case. Those
    without one get an account with no usable password (they set one through a password reset
    or an invitation) and a reviewer's place in the given organisation. One query finds the
    accounts that exist, however many people there are."""
    user_model = get_user_model()
    existing = _accounts_by_address(people)
    new_users, memberships, users = {}, [], {}
    for email, organisation in people.items():
        key = email.strip().lower()
        user = existing.get(key) or new_users.get(key)
        if user is None:
            user = user_model(email=email.strip())
            user.set_unusable_password()
            user.full_clean(validate_unique=False, validate_constraints=False)
            new_users[key] = user
            memberships.append(Membership(user=user, organisation=organisation, role=Membership.Role.REVIEWER))
        users[email] = user
    with transaction.atomic():
        user_model.objects.bulk_create(new_users.values())
        Membership.objects.bulk_create(memberships)
        audit_many(actor=actor, action="account_created", objects=list(new_users.values()), reason="reviewer")
    return ReviewersEnsured(users=users, created=[user.email for user in new_users.values()])


def _accounts_by_address(people: Mapping[str, Organisation]) -> dict:
    keys = {email.strip().lower() for email in people}
    accounts = get_user_model().objects.annotate(key=Lower("email")).filter(key__in=keys)
    return {user.key: user for user in accounts}
