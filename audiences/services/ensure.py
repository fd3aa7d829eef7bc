"""The _ensure services, which serve the demo loader only (see bold_portal.ensure)."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.services.passwords import password_links_send
from audiences.models import Audience, Membership, Organisation
from bold_portal.ensure import Ensured, row_ensure
from bold_portal.field_changes import drifted_fields_set
from bold_portal.models import audit


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
            password_links_send([user])
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
