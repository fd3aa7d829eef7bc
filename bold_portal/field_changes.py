"""Changing a row's fields and recording the change: the values as an audit row holds them, which
fields differ, and the update that saves only those with one audit row. Shared by every app's
services."""

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from bold_portal.models import audit

ModelT = TypeVar("ModelT", bound=models.Model)


def audit_value(value):
    """A field value as it goes into an audit row's JSON."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def audit_values(obj: models.Model, names: Sequence[str]) -> dict:
    """These fields of obj, as an audit row holds them (the "after" of a creation)."""
    return {name: audit_value(getattr(obj, name)) for name in names}


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


def clean_with_unique_name(obj: models.Model, *, kind: str) -> None:
    """full_clean, with the message for a name already taken in the portal's words: names are
    unique whatever their letter case, and kind says what is named ("an audience")."""
    errors = {}
    name = getattr(obj, "name", "")
    if name and type(obj).objects.filter(name__iexact=name).exclude(pk=obj.pk).exists():
        errors["name"] = [
            _("There is already %(kind)s called %(name)s. Choose another name.") % {"kind": kind, "name": name}
        ]
    try:
        obj.full_clean(exclude=["name"] if errors else None)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)


def fields_update(
    *,
    obj: ModelT,
    values: Mapping[str, object],
    actor,
    action: str,
    check: Callable[[models.Model], None] | None = None,
) -> ModelT:
    """Set values on obj, check it (check, or full_clean), save only what changed and record
    before and after in one audit row. Writes nothing when nothing changed. obj is left unchanged
    when the values are refused."""
    fresh = type(obj).objects.get(pk=obj.pk)
    before, after = drifted_fields_set(fresh, values)
    if not after:
        return obj
    (check or type(fresh).full_clean)(fresh)
    with transaction.atomic():
        fresh.save(update_fields=list(after))
        audit(actor=actor, action=action, obj=fresh, before=before, after=after)
    for name in after:
        setattr(obj, name, getattr(fresh, name))
    return obj
