"""Audiences, as the programme admins change them on /manage/audiences/. Each change runs in one
transaction and writes an audit row with the values before and after."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from audiences.models import AUDIENCE_SLUG_MAX, Audience
from bold_portal.field_changes import audit_values, clean_with_unique_name, fields_update
from bold_portal.models import audit
from bold_portal.slugs import unique_slug


def _audience_check(audience: Audience) -> None:
    clean_with_unique_name(audience, kind=_("an audience"))


def audience_create(*, name: str, description: str = "", colour: str = "#505a5f", actor) -> Audience:
    """Add an audience at the end of the list."""
    last = Audience.objects.aggregate(last=models.Max("display_order"))["last"] or 0
    audience = Audience(
        name=name.strip(),
        slug=unique_slug(model=Audience, name=name, max_length=AUDIENCE_SLUG_MAX),
        description=description.strip(),
        colour=colour.strip() or "#505a5f",
        display_order=last + 1,
    )
    _audience_check(audience)
    with transaction.atomic():
        audience.save()
        audit(
            actor=actor,
            action="audience_created",
            obj=audience,
            before={},
            after=audit_values(audience, ["name", "slug", "description", "colour", "display_order"]),
        )
    return audience


def audience_update(*, audience: Audience, name: str, description: str, colour: str, actor) -> Audience:
    """Rename an audience or change its description or colour. Its slug (in addresses) stays."""
    return fields_update(
        obj=audience,
        values={"name": name.strip(), "description": description.strip(), "colour": colour.strip()},
        actor=actor,
        action="audience_updated",
        check=_audience_check,
    )


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
    return fields_update(
        obj=audience,
        values={"is_archived": is_archived},
        actor=actor,
        action="audience_archived" if is_archived else "audience_restored",
        check=_audience_check,
    )


def audience_authors_add(*, audience: Audience, users: Sequence, actor) -> None:
    """Make these people pilot-team authors of the audience (create-only: someone who already is
    one is refused, and nobody is removed)."""
    already = list(audience.authors.filter(pk__in=[user.pk for user in users]))
    if already:
        raise ValidationError(
            {
                "authors": _("%(names)s is already an author of %(audience)s.")
                % {"names": ", ".join(user.email for user in already), "audience": audience.name}
            }
        )
    if not users:
        return
    with transaction.atomic():
        audience.authors.add(*users)
        audit(actor=actor, action="audience_authors_added", obj=audience, users=[user.pk for user in users])
