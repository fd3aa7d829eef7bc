"""Accounts, memberships, invitations and audiences. Each action runs in one transaction and writes an audit row."""

import datetime
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Audience, Invitation, Membership, Organisation
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


# --- Making sure rows exist (the demo loader) ------------------------------------------------
#
# The _ensure services below make a row match a known definition: create it if it is missing,
# put back the fields that drifted, add missing links (never remove any). Each is idempotent:
# when everything is in place it writes nothing, not even an audit row. Otherwise it writes in
# one transaction with one audit row. They return what they did, so that a caller can count.

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class Ensured(Generic[ModelT]):
    """What an _ensure service did to its row."""

    obj: ModelT
    created: bool = False
    updated: bool = False  # fields that drifted were put back
    added: int = 0  # links added (an organisation's audiences, an account's role groups)

    @property
    def changed(self) -> bool:
        return self.created or self.updated or bool(self.added)


def audit_value(value):
    """A field value as it goes into an audit row's JSON."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def drifted_fields_set(obj: models.Model, values: Mapping[str, object]) -> tuple[dict, dict]:
    """Set on obj (not saved) each of values that differs from what it holds. Returns the
    changed fields' (before, after) values for an audit row; both empty when nothing drifted."""
    before, after = {}, {}
    for name, value in values.items():
        current = getattr(obj, name)
        if current != value:
            before[name], after[name] = audit_value(current), audit_value(value)
            setattr(obj, name, value)
    return before, after


def row_ensure(*, model: type[ModelT], lookup: dict, values: dict, actor, action: str) -> Ensured[ModelT]:
    """The row matching lookup, created with values, or with values that drifted put back.
    Writes <action>_created or <action>_updated (with before and after) when it changes something."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        with transaction.atomic():
            obj.save()
            audit(
                actor=actor,
                action=f"{action}_created",
                obj=obj,
                **{name: audit_value(value) for name, value in {**lookup, **values}.items()},
            )
        return Ensured(obj, created=True)
    before, after = drifted_fields_set(obj, values)
    if not after:
        return Ensured(obj)
    obj.full_clean()
    with transaction.atomic():
        obj.save(update_fields=list(after))
        audit(actor=actor, action=f"{action}_updated", obj=obj, before=before, after=after)
    return Ensured(obj, updated=True)


def audience_ensure(
    *, slug: str, name: str, description: str, display_order: int, colour: str, actor
) -> Ensured[Audience]:
    """Make sure the audience slug exists with these details; puts back any that drifted."""
    return row_ensure(
        model=Audience,
        lookup={"slug": slug},
        values={"name": name, "description": description, "display_order": display_order, "colour": colour},
        actor=actor,
        action="audience",
    )


def organisation_ensure(*, slug: str, name: str, audiences: Sequence[Audience], actor) -> Ensured[Organisation]:
    """Make sure the organisation slug exists with this name and serves these audiences (it may
    serve others too: audiences are only ever added). Ensured.added counts the audiences added."""
    with transaction.atomic():
        ensured = row_ensure(
            model=Organisation, lookup={"slug": slug}, values={"name": name}, actor=actor, action="organisation"
        )
        organisation = ensured.obj
        present = set(organisation.audiences.values_list("pk", flat=True))
        missing = [audience for audience in audiences if audience.pk not in present]
        if missing:
            organisation.audiences.add(*missing)
            audit(
                actor=actor,
                action="organisation_audiences_added",
                obj=organisation,
                audiences=[audience.slug for audience in missing],
            )
    return Ensured(organisation, created=ensured.created, updated=ensured.updated, added=len(missing))


def account_ensure(
    *,
    email: str,
    full_name: str,
    password: str | None,
    actor,
    is_active: bool | None = None,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Sequence[str] = (),
):
    """Make sure an account with this email address (matched whatever its letter case) exists,
    in these role groups (Django groups, see bold_portal.roles; only ever added).

    A new account gets full_name and password (checked against the portal's password rules;
    None makes a password nobody can use until they reset it). An existing account keeps its
    name and password. The flags given (None: leave as it is, or the default for a new account)
    are put back when they drifted. Returns Ensured; added counts the group places added.
    """
    user_model = get_user_model()
    flags = {
        name: value
        for name, value in (("is_active", is_active), ("is_staff", is_staff), ("is_superuser", is_superuser))
        if value is not None
    }
    wanted_groups = list(Group.objects.filter(name__in=groups)) if groups else []
    unknown = sorted(set(groups) - {group.name for group in wanted_groups})
    if unknown:
        raise ValidationError(
            {"groups": _("There is no role group %(names)s: run the migrations first.") % {"names": ", ".join(unknown)}}
        )
    user = user_model.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        user = user_model(email=email.strip(), full_name=full_name.strip(), **flags)
        if password is None:
            user.set_unusable_password()
        else:
            try:
                validate_password(password, user)
            except ValidationError as error:
                raise ValidationError({"password": error.messages}) from error
            user.set_password(password)
        user.full_clean()
        with transaction.atomic():
            user.save()
            user.groups.add(*wanted_groups)
            audit(
                actor=actor,
                action="account_created",
                obj=user,
                reason="ensured",
                **flags,
                groups=[group.name for group in wanted_groups],
            )
        return Ensured(user, created=True, added=len(wanted_groups))

    before, after = drifted_fields_set(user, flags)
    present = set(user.groups.values_list("pk", flat=True))
    missing = [group for group in wanted_groups if group.pk not in present]
    if not after and not missing:
        return Ensured(user)
    user.full_clean()
    with transaction.atomic():
        if after:
            user.save(update_fields=list(after))
        user.groups.add(*missing)
        audit(
            actor=actor,
            action="account_updated",
            obj=user,
            before=before,
            after=after,
            groups_added=[group.name for group in missing],
        )
    return Ensured(user, updated=bool(after), added=len(missing))


def membership_ensure(*, user, organisation: Organisation, role: str, actor) -> Ensured[Membership]:
    """Make sure user has a place in organisation with this role; puts the role back if it changed."""
    return row_ensure(
        model=Membership,
        lookup={"user": user, "organisation": organisation},
        values={"role": role},
        actor=actor,
        action="membership",
    )


def audience_authors_ensure(*, audience: Audience, users: Sequence, actor) -> int:
    """Make sure these people are among the audience's pilot-team authors (never removes one).
    Returns how many were added."""
    present = set(audience.authors.values_list("pk", flat=True))
    missing = [user for user in users if user.pk not in present]
    if missing:
        with transaction.atomic():
            audience.authors.add(*missing)
            audit(actor=actor, action="audience_authors_added", obj=audience, users=[user.pk for user in missing])
    return len(missing)
