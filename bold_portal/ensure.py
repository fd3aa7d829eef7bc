"""Making a row match a known definition, for the demo loader only: create it if it is missing,
put back the fields that drifted. Idempotent: when everything is in place it writes nothing, not
even an audit row; otherwise it writes in one transaction with one audit row, and says what it
did so that a caller can count."""

from dataclasses import dataclass
from typing import Generic

from django.db import transaction

from bold_portal.field_changes import ModelT, audit_value, drifted_fields_set
from bold_portal.models import audit


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
