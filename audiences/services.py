"""Accounts, memberships, invitations and audiences. Each action runs in one transaction and writes an audit row."""

import datetime
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from audiences import recovery_codes, two_factor
from audiences.models import Audience, Invitation, Membership, Organisation, RecoveryCode, RecoveryCodeDevice
from audiences.signals import access_withdrawn
from bold_portal.email import email_send, email_send_on_commit, portal_url
from bold_portal.models import audit, audit_many
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS, is_admin
from bold_portal.services import audit_rows_purge


class InvitationRefused(Exception):
    """The invitation link cannot be used; the message says why and what to do."""


def invitation_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


STAFF_ROLE_GROUPS = {
    Invitation.Role.ANALYST: ANALYSTS,
    Invitation.Role.AUTHOR: AUTHORS,
    Invitation.Role.ADMIN: ADMINS,
}
# The staff roles that read every use case's results (and may have API tokens).
RESULT_READING_GROUPS = {ANALYSTS, ADMINS}


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
    email_send(
        template="audiences/email/invitation",
        to=[invitation.email],
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
            if not created and invitation.role == Membership.Role.LEAD and membership.role != Membership.Role.LEAD:
                membership.role = Membership.Role.LEAD
                membership.save(update_fields=["role"])
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
    without one get an account with no usable password and a reviewer's place in the given
    organisation, and are emailed a link to create a password once the transaction commits. One query finds the
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
        _password_links_send(new_users.values())
    return ReviewersEnsured(users=users, created=[user.email for user in new_users.values()])


def password_link(user) -> str:
    """A link for user to create a new password: Django's password reset link, so it works once
    (setting a password changes what the token is signed with) and expires after
    settings.PASSWORD_RESET_TIMEOUT."""
    return portal_url(
        "password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


def _password_links_send(users) -> None:
    """Email each new active account that has no usable password a link to create one, once the
    account is committed: people added by an import or by an admin, who were never invited."""
    for user in users:
        if user.is_active and not user.has_usable_password():
            email_send_on_commit(
                template="audiences/email/set_password",
                to=[user.email],
                context={
                    "name": user.full_name,
                    "url": password_link(user),
                    "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
                },
            )


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
                before={},
                after={name: audit_value(value) for name, value in {**lookup, **values}.items()},
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
    None makes a password nobody can use, and an active account is then emailed a link to create
    one once the transaction commits). An existing account keeps its
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
            _password_links_send([user])
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


# --- The portal's admin pages and the organisation lead's pages -------------------------------
#
# Each service below changes one thing, keyword-only, in one transaction, and writes one audit row
# with what the row was before and after. Bad input raises ValidationError keyed by field, before
# anything is written.


def unique_slug(*, model: type[models.Model], name: str, max_length: int, exclude_pk=None) -> str:
    """A slug for name that no other row of model uses: name-2, name-3… when it is taken."""
    base = slugify(name)[: max_length - 4].strip("-") or "item"
    others = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _values(obj: models.Model, names: Sequence[str]) -> dict:
    return {name: audit_value(getattr(obj, name)) for name in names}


def _clean(obj: models.Model) -> None:
    """full_clean, with the unique-name message in the portal's words (names are unique whatever
    their letter case)."""
    errors = {}
    name = getattr(obj, "name", "")
    if name and type(obj).objects.filter(name__iexact=name).exclude(pk=obj.pk).exists():
        errors["name"] = [
            _("There is already %(kind)s called %(name)s. Choose another name.")
            % {"kind": _("an audience") if isinstance(obj, Audience) else _("an organisation"), "name": name}
        ]
    try:
        obj.full_clean(exclude=["name"] if errors else None)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)


def audience_create(*, name: str, description: str = "", colour: str = "#505a5f", actor) -> Audience:
    """Add an audience at the end of the list."""
    last = Audience.objects.aggregate(last=models.Max("display_order"))["last"] or 0
    audience = Audience(
        name=name.strip(),
        slug=unique_slug(model=Audience, name=name, max_length=60),
        description=description.strip(),
        colour=colour.strip() or "#505a5f",
        display_order=last + 1,
    )
    _clean(audience)
    with transaction.atomic():
        audience.save()
        audit(
            actor=actor,
            action="audience_created",
            obj=audience,
            before={},
            after=_values(audience, ["name", "slug", "description", "colour", "display_order"]),
        )
    return audience


def audience_update(*, audience: Audience, name: str, description: str, colour: str, actor) -> Audience:
    """Rename an audience or change its description or colour. Its slug (in addresses) stays."""
    return _fields_update(
        obj=audience,
        values={"name": name.strip(), "description": description.strip(), "colour": colour.strip()},
        actor=actor,
        action="audience_updated",
    )


def _fields_update(*, obj: ModelT, values: Mapping[str, object], actor, action: str) -> ModelT:
    """Set values on obj, check it, save only what changed and record before and after. Writes
    nothing when nothing changed. obj is left unchanged when the values are refused."""
    fresh = type(obj).objects.get(pk=obj.pk)
    before, after = drifted_fields_set(fresh, values)
    if not after:
        return obj
    _clean(fresh)
    with transaction.atomic():
        fresh.save(update_fields=list(after))
        audit(actor=actor, action=action, obj=fresh, before=before, after=after)
    for name in after:
        setattr(obj, name, getattr(fresh, name))
    return obj


def audience_move(*, audience: Audience, direction: str, actor) -> Audience:
    """Move an audience one place up or down the list (archived ones included). The list is
    renumbered 1, 2, 3… so that no two audiences share a place."""
    if direction not in {"up", "down"}:
        raise ValidationError({"direction": _("Choose up or down")})
    with transaction.atomic():
        # Only display_order changes, so the lock leaves the key alone and does not hold up rows
        # that refer to an audience; the list is sorted here, not by the locking query.
        locked = Audience.objects.select_for_update(of=("self",), no_key=True).order_by()
        ordered = sorted(locked, key=lambda a: (a.display_order, a.name, a.pk))
        index = next(i for i, a in enumerate(ordered) if a.pk == audience.pk)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(ordered):
            return audience
        before = [a.slug for a in ordered]
        ordered[index], ordered[other] = ordered[other], ordered[index]
        changed = []
        for position, item in enumerate(ordered, start=1):
            if item.display_order != position:
                item.display_order = position
                changed.append(item)
        Audience.objects.bulk_update(changed, ["display_order"])
        audit(
            actor=actor,
            action="audience_moved",
            obj=audience,
            direction=direction,
            before={"order": before},
            after={"order": [a.slug for a in ordered]},
        )
    audience.display_order = next(a.display_order for a in ordered if a.pk == audience.pk)
    return audience


def audience_archive_set(*, audience: Audience, is_archived: bool, actor) -> Audience:
    """Archive an audience (kept wherever it is used, no longer offered for new choices), or bring
    it back."""
    return _fields_update(
        obj=audience,
        values={"is_archived": is_archived},
        actor=actor,
        action="audience_archived" if is_archived else "audience_restored",
    )


def _audiences_check(audiences: Sequence[Audience], *, allowed_archived=()) -> None:
    if not audiences:
        raise ValidationError({"audiences": _("Choose at least one audience the organisation serves")})
    archived = [a.name for a in audiences if a.is_archived and a.pk not in set(allowed_archived)]
    if archived:
        raise ValidationError(
            {"audiences": _("%(names)s is archived: choose another audience") % {"names": ", ".join(archived)}}
        )


def organisation_create(*, name: str, audiences: Sequence[Audience], website: str = "", actor) -> Organisation:
    """Add an intermediary organisation serving these audiences (at least one, none archived)."""
    organisation = Organisation(
        name=name.strip(), slug=unique_slug(model=Organisation, name=name, max_length=80), website=website.strip()
    )
    errors = {}
    try:
        _clean(organisation)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _audiences_check(audiences)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organisation.save()
        organisation.audiences.set(audiences)
        audit(
            actor=actor,
            action="organisation_created",
            obj=organisation,
            before={},
            after={
                **_values(organisation, ["name", "slug", "website"]),
                "audiences": sorted(a.slug for a in audiences),
            },
        )
    return organisation


def organisation_update(
    *, organisation: Organisation, name: str, audiences: Sequence[Audience], website: str = "", actor
) -> Organisation:
    """Change an organisation's name, website or the audiences it serves. An audience archived
    since it was chosen may stay; a newly chosen one may not be archived."""
    fresh = Organisation.objects.get(pk=organisation.pk)
    current = set(fresh.audiences.values_list("pk", flat=True))
    before_fields, after_fields = drifted_fields_set(fresh, {"name": name.strip(), "website": website.strip()})
    errors = {}
    try:
        _clean(fresh)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _audiences_check(audiences, allowed_archived=current)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    wanted = {a.pk for a in audiences}
    if not after_fields and wanted == current:
        return organisation
    with transaction.atomic():
        if after_fields:
            fresh.save(update_fields=list(after_fields))
        slugs = dict(Audience.objects.filter(pk__in=current | wanted).values_list("pk", "slug"))
        if wanted != current:
            fresh.audiences.set(audiences)
            before_fields["audiences"] = sorted(slugs[pk] for pk in current)
            after_fields["audiences"] = sorted(slugs[pk] for pk in wanted)
        audit(actor=actor, action="organisation_updated", obj=fresh, before=before_fields, after=after_fields)
    organisation.name, organisation.website = fresh.name, fresh.website
    return organisation


def account_active_set(*, user, is_active: bool, actor):
    """Switch an account off (it cannot sign in and is not expected to review; its work is kept;
    its API tokens are revoked, through access_withdrawn) or back on. Nobody can switch their own
    account off."""
    if not is_active and actor is not None and actor.pk == user.pk:
        raise ValidationError({"is_active": _("You cannot switch off your own account. Ask another admin.")})
    if is_active and user.erased_at is not None:
        raise ValidationError({"is_active": _("This account was erased. Invite the person again instead.")})
    with transaction.atomic():
        user = _fields_update(
            obj=user,
            values={"is_active": is_active},
            actor=actor,
            action="account_switched_on" if is_active else "account_switched_off",
        )
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
    if actor is not None and actor.pk == user.pk and Invitation.Role.ADMIN not in roles and not user.is_superuser:
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


def _may_manage(actor, organisation: Organisation) -> None:
    if actor is not None and not actor.has_perm("audiences.manage_organisation", organisation):
        raise PermissionDenied(_("You can only manage an organisation you lead."))


def membership_role_change(*, membership: Membership, role: str, actor) -> Membership:
    """Make a member a reviewer or a lead of their organisation. The last lead stays a lead."""
    _may_manage(actor, membership.organisation)
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
    return fresh


def membership_remove(*, membership: Membership, actor) -> None:
    """Take a person out of an organisation. Their account and their reviews are kept. The last
    lead cannot be removed (make someone else a lead first)."""
    _may_manage(actor, membership.organisation)
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
        _may_manage(actor, invitation.organisation)


def member_remind(*, organisation: Organisation, user, items: Sequence[str], actor) -> None:
    """Email a member of organisation a plain reminder of the reviews waiting for them (items:
    one line each, such as a use case's title and due date). The caller works out the items; this
    service knows nothing of rounds. Recorded as an audit row on the person's account."""
    _may_manage(actor, organisation)
    if not Membership.objects.filter(organisation=organisation, user=user, user__is_active=True).exists():
        raise ValidationError({"member": _("This person is not an active member of the organisation.")})
    if not items:
        raise ValidationError({"member": _("%(name)s has nothing left to submit.") % {"name": user.get_short_name()}})
    context = {
        "name": user.full_name,
        "organisation": organisation.name,
        "items": list(items),
        "sender": actor.get_full_name() or actor.email,
        "url": portal_url("home"),
    }
    with transaction.atomic():
        audit(
            actor=actor,
            action="member_reminded",
            obj=user,
            organisation=organisation.pk,
            items=list(items),
        )
        # Replies go to the lead who sent the reminder.
        email_send(template="audiences/email/reminder", to=[user.email], context=context, reply_to=[actor.email])


# --- Two-factor sign-in (see audiences/two_factor.py and docs/sign-in-security.md) ---------------


def _recovery_codes_replace(user) -> list[str]:
    """A fresh set of recovery codes for user (the old ones stop working). Only their hashes are
    kept; they are returned as typed, to be shown once and never again."""
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, name=two_factor.RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = [recovery_codes.new_code() for _ in range(two_factor.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode.hashed(code, device=device) for code in codes)
    return codes


def two_factor_enable(*, user, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Turn on two-factor sign-in for user with the authenticator app that holds key, once code
    (the app's first) proves it does. Replaces any app set up before. Returns the app's device,
    for the view to mark the session verified, and the new recovery codes."""
    if not two_factor.code_is_right_for_key(key, code):
        raise ValidationError({"code": _("The code is not right. Enter the 6-digit code your app shows now.")})
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user).delete()[0]
        device = TOTPDevice(user=user, name=two_factor.APP_DEVICE_NAME, key=key, confirmed=True)
        device.full_clean()
        device.save()
        codes = _recovery_codes_replace(user)
        if replaced:
            audit(actor=user, action="sign_in_settings_changed", obj=user, change="authenticator app replaced")
        else:
            audit(actor=user, action="two_factor_enabled", obj=user)
        audit(actor=user, action="recovery_codes_generated", obj=user, count=len(codes))
    return device, codes


def recovery_codes_regenerate(*, user) -> list[str]:
    """New recovery codes for someone who has two-factor sign-in; the old ones stop working."""
    if two_factor.app_device(user) is None:
        raise ValidationError(_("Set up two-factor sign-in before you make recovery codes."))
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit(actor=user, action="recovery_codes_generated", obj=user, count=len(codes))
    return codes


def two_factor_reset(*, user, actor) -> None:
    """An admin turns off someone's two-factor sign-in (a lost phone and lost recovery codes): their
    app and recovery codes stop working, their API tokens are revoked (access_withdrawn: whoever
    has the phone may have the tokens too), and they set up a new app when they next sign in.
    Nobody resets their own, which would skip the second step."""
    if not is_admin(actor):
        raise PermissionDenied(_("Only programme admins can reset two-factor sign-in."))
    if actor.pk == user.pk:
        raise ValidationError(_("You cannot reset your own two-factor sign-in. Ask another admin."))
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).delete()[0] + RecoveryCodeDevice.objects.filter(user=user).delete()[0]
        )
        if removed:
            audit(actor=actor, action="two_factor_disabled", obj=user, reason="reset by an admin")
        access_withdrawn.send(sender=two_factor_reset, user=user, actor=actor, reason="two_factor_reset")


# --- Personal data: erasure on request and retention (docs/audit-and-personal-data.md) ----------


def erased_email(user) -> str:
    """The address an erased account keeps: unique, and about nobody (.invalid never delivers)."""
    return f"erased-{user.pk}@erased.invalid"


def account_erase(*, user, actor):
    """Erase a person's personal data on their request. Their name, email address, password,
    roles, memberships, pilot-team places, invitations to their address, sessions, sign-in
    records and two-step sign-in devices go, their API tokens are revoked (access_withdrawn), and
    the account is switched off for good. The
    account itself stays, anonymous, so that the reviews it wrote keep counting under the same
    pseudonym and show as a former reviewer's. Audit rows keep its id; they never held its name or
    address. Nobody can erase their own account."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"account": _("You cannot erase your own account. Ask another admin.")})
    with transaction.atomic():
        user = get_user_model().objects.select_for_update(of=("self",)).get(pk=user.pk)
        if user.erased_at is not None:
            raise ValidationError({"account": _("This account's personal data has already been erased.")})
        email = user.email
        before = {
            "is_active": user.is_active,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "memberships": sorted(user.memberships.values_list("organisation_id", flat=True)),
            "authored_audiences": sorted(user.authored_audiences.values_list("pk", flat=True)),
        }
        user.memberships.all().delete()
        user.authored_audiences.clear()
        user.groups.clear()
        user.user_permissions.clear()
        invitations = Invitation.objects.filter(email__iexact=email).delete()[0]
        sessions = [
            session.pk
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.get_decoded().get("_auth_user_id") == str(user.pk)
        ]
        Session.objects.filter(pk__in=sessions).delete()
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
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
        audit(
            actor=actor,
            action="account_erased",
            obj=user,
            before=before,
            after={"is_active": False, "roles": [], "memberships": [], "authored_audiences": []},
            invitations_deleted=invitations,
            sessions_deleted=len(sessions),
        )
    return user


@dataclass(frozen=True)
class Purged:
    invitations: int
    sessions: int
    sign_in_records: int
    audit_rows: int


def personal_data_purge(*, now: datetime.datetime | None = None) -> Purged:
    """Delete what has outlived its retention period (settings RETENTION_*): invitations no longer
    waiting (used, cancelled or expired) made more than RETENTION_INVITATIONS_DAYS ago; expired
    sessions; sign-in records (django-axes) older than RETENTION_SIGN_IN_RECORDS_DAYS; audit rows
    older than RETENTION_AUDIT_DAYS. Run daily by the beat (audiences.tasks); each kind is
    deleted in its own transaction, so one failing leaves the others done."""
    now = now or timezone.now()
    days = settings.RETENTION_INVITATIONS_DAYS
    with transaction.atomic():
        invitations = (
            Invitation.objects.filter(created_at__lt=now - timedelta(days=days))
            .exclude(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now)
            .delete()[0]
        )
    with transaction.atomic():
        sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
    cutoff = now - timedelta(days=settings.RETENTION_SIGN_IN_RECORDS_DAYS)
    with transaction.atomic():
        sign_in_records = sum(
            model.objects.filter(attempt_time__lt=cutoff).delete()[0]
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        )
    audit_rows = audit_rows_purge(before=now - timedelta(days=settings.RETENTION_AUDIT_DAYS))
    return Purged(invitations=invitations, sessions=sessions, sign_in_records=sign_in_records, audit_rows=audit_rows)
