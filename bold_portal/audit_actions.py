"""The typed list of audit actions: each app registers the actions its services record, with a
label for people, from its AppConfig.ready (this core knows no app). audit() refuses a code that is
not registered, so a misspelt action fails its tests instead of writing a row nobody can filter.

An app that took in a model from another app also registers the label the model's rows were
written under before (object_type_moved): rows never change, so the trail reads both as one."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class UnknownAuditAction(ValueError):
    """audit() was given an action code that no app registered."""


@dataclass(frozen=True)
class AuditData:
    """What a row holds, as its readers may show it: the values before and after, and the other details."""

    before: dict
    after: dict
    details: dict


@dataclass(frozen=True)
class AuditAction:
    code: str
    label: str  # what the admins' audit page and its CSV show, in words
    # What of a row may be shown (None: all of it). Rows are never rewritten, so an action whose
    # rows once held what must not be shown (a draft's text) hides it here, on every reader.
    shown: Callable[[AuditData], AuditData] | None = field(default=None, compare=False)


_registry: dict[str, AuditAction] = {}


def register(*actions: AuditAction) -> None:
    """Add actions to the list. Registering the same action again (an app's ready() running twice)
    changes nothing; a code registered with another label is a mistake and stops the start."""
    for action in actions:
        known = _registry.get(action.code)
        if known is not None and str(known.label) != str(action.label):
            raise ImproperlyConfigured(f"The audit action {action.code!r} is registered twice with different labels.")
        _registry[action.code] = action


def check(code: str) -> str:
    if code not in _registry:
        raise UnknownAuditAction(
            f"Unknown audit action {code!r}: register it, with a label, in its app's audit_actions.py."
        )
    return code


def label(code: str) -> str:
    """The action's label; a code no longer registered (in rows written by an older version) shows as it is."""
    action = _registry.get(code)
    return str(action.label) if action else code


def shown(code: str, data: AuditData) -> AuditData:
    """What of a row of this action the audit page, its CSV and the Django admin may show."""
    action = _registry.get(code)
    return action.shown(data) if action is not None and action.shown is not None else data


def all_actions() -> list[AuditAction]:
    """Every registered action, in the order of their labels (for the audit page's filter)."""
    return sorted(_registry.values(), key=lambda action: str(action.label).lower())


_moved_object_types: dict[str, str] = {}


def object_type_moved(former: str, current: str) -> None:
    """Rows written with the object type former ("audiences.user") are about what is now current
    ("accounts.user"): the model moved to another app and kept its table."""
    _moved_object_types[former] = current


def current_object_type(object_type: str) -> str:
    """The object type as the models name it now."""
    return _moved_object_types.get(object_type, object_type)


def object_type_spellings(object_type: str) -> list[str]:
    """object_type as rows may hold it: its current label and every former one."""
    current = current_object_type(object_type)
    return [current, *(former for former, now in _moved_object_types.items() if now == current)]


# The core's own: the audit trail itself.
register(
    AuditAction("audit_downloaded", _("Audit trail downloaded")),
    AuditAction("audit_trail_locked", _("Audit trail given to its owner role")),
)
