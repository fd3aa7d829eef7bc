"""The typed list of audit actions: each app registers the actions its services record, with a
label for people, from its AppConfig.ready (this core knows no app). audit() refuses a code that is
not registered, so a misspelt action fails its tests instead of writing a row nobody can filter.

An app that took in a model from another app also registers the label the model's rows were
written under before (object_type_moved): rows never change, so the trail reads both as one."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db.models import CharField, Q
from django.db.models.functions import Cast
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
    # What happened, in a sentence with names (as Wagtail's log actions format their messages);
    # None: the label, then what it was done to.
    message: Callable[["AuditRow"], str] | None = field(default=None, compare=False)
    # What a bulk action did, item by item, for the row's own page (None: nothing to list).
    listing: Callable[["AuditRow"], "AuditListing | None"] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AuditListing:
    """A table of what one row did, one line per item: the pairs a bulk action made."""

    caption: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]


@dataclass(frozen=True)
class AuditRow:
    """A row as a formatter sees it: what may be shown of it, what it was done to in words, and
    name(key, value), which gives an id or slug held under key with its name ("St Basils (8)")."""

    label: str
    object_text: str
    data: AuditData
    name: Callable[[str, object], str]

    def value(self, key: str, default=None):
        """The value under key, wherever the row holds it (details, after, before)."""
        for part in (self.data.details, self.data.after, self.data.before):
            if key in part:
                return part[key]
        return default


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


def message(code: str, row: AuditRow) -> str:
    """The row in a sentence: its action's formatter, or the label and what it was done to."""
    action = _registry.get(code)
    if action is not None and action.message is not None:
        return action.message(row)
    return f"{row.label}: {row.object_text}" if row.object_text else row.label


def pairs(code: str, row: AuditRow) -> AuditListing | None:
    """What the row did, item by item, if its action lists it."""
    action = _registry.get(code)
    return action.listing(row) if action is not None and action.listing is not None else None


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
    AuditAction("outbox_message_resent", _("Email sent again")),
)


# --- Names beside numbers ---------------------------------------------------------------------
# Rows hold ids (and some slugs); the trail shows each with its name. An app registers, for each
# kind of thing it names, how to look names up (one query for a page of rows), which keys of a
# row's data hold one (or a list), and, where the name is not personal data, how to read the name
# of the row's own object when the row is written (stored in the row as object_name, so the trail
# shows it as it was named then). People's names are never stored (rows outlive an erased account):
# they are looked up when shown.

OBJECT_NAME = "object_name"  # the key of a row's data holding its object's name when written


@dataclass(frozen=True)
class NamedKind:
    model: str  # "reviews.reviewround", as object_type holds it
    lookup: Callable[[set[str]], dict[str, str]]  # ids or slugs (as text) -> their names now
    keys: tuple[str, ...] = ()  # the keys of a row's data (details, before, after) holding one
    name_when_written: Callable[[object], str] | None = None  # None: personal, never stored


_named: dict[str, NamedKind] = {}
_named_keys: dict[str, str] = {}


def register_named(kind: NamedKind) -> None:
    _named[kind.model] = kind
    for key in kind.keys:
        _named_keys[key] = kind.model


def named_kind(object_type: str) -> NamedKind | None:
    return _named.get(current_object_type(object_type))


def named_kinds() -> list[NamedKind]:
    return list(_named.values())


def model_named_by(key: str) -> str | None:
    """The model whose ids (or slugs) a row's data holds under key, if one is registered."""
    return _named_keys.get(key)


def name_when_written(obj) -> str | None:
    """What to store as the name of the object a row is about (None: nothing to store)."""
    kind = _named.get(obj._meta.label_lower)
    return kind.name_when_written(obj) if kind is not None and kind.name_when_written else None


# --- Filters by name --------------------------------------------------------------------------
# "Show every row about this round": an app registers, for a kind of thing, the choices (value,
# name) and which rows are about one (a Q over AuditEvent), so the core's filter knows no app.


@dataclass(frozen=True)
class AuditScope:
    key: str  # the filter's name in the query string: "round", "organisation"
    label: str
    choose: str  # for the error message "Choose ... from the list": "a round"
    choices: Callable[[], list[tuple[str, str]]]
    rows: Callable[[str], object]  # the value chosen -> a Q over AuditEvent


_scopes: dict[str, AuditScope] = {}
_more_rows: dict[str, list[Callable[[str], Q]]] = {}


def register_scope(scope: AuditScope) -> None:
    _scopes[scope.key] = scope


def register_scope_rows(key: str, rows: Callable[[str], Q]) -> None:
    """More rows about a scope another app registered (an app above it knows more of its rows:
    the assignments of an organisation)."""
    if rows not in _more_rows.setdefault(key, []):
        _more_rows[key].append(rows)


def scopes() -> list[AuditScope]:
    return list(_scopes.values())


def scope_rows(key: str, value: str) -> Q:
    """Every row about the thing value names in scope key, as its apps said."""
    condition = _scopes[key].rows(value)
    for rows in _more_rows.get(key, []):
        condition |= rows(value)
    return condition


def names_by_id_or_slug(queryset, values: set[str], name_field: str = "name", slug_field: str | None = "slug"):
    """A lookup for register_named: the names of the rows of queryset whose id or slug is among
    values (text), keyed by both (one query)."""
    ids = {int(value) for value in values if value.isdigit()}
    condition = Q(pk__in=ids)
    if slug_field:
        condition |= Q(**{f"{slug_field}__in": values})
    names = {}
    for row in queryset.filter(condition).values("pk", name_field, *([slug_field] if slug_field else [])):
        names[str(row["pk"])] = row[name_field]
        if slug_field:
            names[row[slug_field]] = row[name_field]
    return names


def rows_about(model, object_ids, *, keys: tuple[str, ...] = (), values: tuple = ()) -> Q:
    """A Q for register_scope: rows whose object is one of model's object_ids (a queryset of ids,
    or a list), or whose data holds one of values under one of keys."""
    label = model._meta.label_lower
    if hasattr(object_ids, "annotate"):
        object_ids = object_ids.annotate(_as_text=Cast("pk", CharField())).values("_as_text")
    else:
        object_ids = [str(pk) for pk in object_ids]
    condition = Q(object_type__in=object_type_spellings(label), object_id__in=object_ids)
    for key in keys:
        for value in values:
            condition |= Q(**{f"data__{key}": value})
    return condition
