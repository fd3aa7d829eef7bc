"""Reads of the audit trail, shared by the admins' audit page and its CSV download."""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal import audit_actions
from bold_portal.audit_actions import AuditRow, current_object_type, model_named_by, named_kind, object_type_spellings
from bold_portal.models import AuditEvent
from bold_portal.spreadsheet import neutralise


@dataclass(frozen=True)
class AuditFilters:
    email: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    scopes: tuple[tuple[str, str], ...] = ()  # (scope key, value): "about this round", by name


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The rows matching filters, newest first, each with its actor (one query however many)."""
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if filters.email:
        events = events.filter(actor__email__iexact=filters.email)
    if filters.object_type:  # rows written before a model moved app hold its former label
        events = events.filter(object_type__in=object_type_spellings(filters.object_type))
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:  # the whole of the last day, in the portal's time zone
        events = events.filter(created_at__lt=_start_of(filters.date_to + datetime.timedelta(days=1)))
    registered = {scope.key: scope for scope in audit_actions.scopes()}
    for key, value in filters.scopes:
        if value and key in registered:
            events = events.filter(audit_actions.scope_rows(key, value))
    return events


def _as_text(value) -> list[str]:
    """The ids or slugs a value holds, as text (one, or a list of them)."""
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, int | str) and not isinstance(item, bool)]
    if isinstance(value, int | str) and not isinstance(value, bool) and value != "":
        return [str(value)]
    return []


def _wanted_in(part: dict, wanted: dict[str, set[str]]) -> None:
    """Add the ids and slugs part holds under registered keys, and in lists of such dicts (the
    pairs of a bulk action: [{"version": 3, "organisation": 8}, ...])."""
    for key, value in part.items():
        if model := model_named_by(key):
            wanted.setdefault(model, set()).update(_as_text(value))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _wanted_in(item, wanted)


class Names:
    """The names of what a page of rows mentions, looked up once (one query per kind of thing):
    the object of each row (its name when written, where the row holds it) and the ids and slugs
    under the keys apps registered ("round", "organisation", "user_id", "reviewers")."""

    def __init__(self, events):
        wanted: dict[str, set[str]] = {}
        for event in events:
            if event.object_type and event.object_name is None and (kind := named_kind(event.object_type)):
                wanted.setdefault(kind.model, set()).add(event.object_id)
            shown = event.shown
            for part in (shown.details, shown.before, shown.after):
                _wanted_in(part, wanted)
        self._names = {
            model: named_kind(model).lookup(values) if values else {} for model, values in sorted(wanted.items())
        }

    def of(self, model: str, value) -> str | None:
        return self._names.get(model, {}).get(str(value))

    def value(self, key: str, value) -> str:
        """value (held under key) in words, each id or slug with its name: "St Basils (8)"."""
        model = model_named_by(key)
        if model is None or not _as_text(value):
            return value_text(value)
        items = value if isinstance(value, list) else [value]
        return ", ".join(_named_text(self.of(model, item), item) for item in items)

    def object_name(self, event: AuditEvent) -> str:
        """The name of what the row is about: as it was when written where the row holds it, else now."""
        if event.object_name is not None:
            return event.object_name
        kind = named_kind(event.object_type) if event.object_type else None
        return (self.of(kind.model, event.object_id) or "") if kind else ""

    def object_text(self, event: AuditEvent) -> str:
        """What the row is about: its kind, number and name ("Review round 3: Spring 2027")."""
        if not event.object_type:
            return ""
        kind, name = object_type_label(event.object_type), self.object_name(event)
        return f"{kind} {event.object_id}: {name}" if name else f"{kind} {event.object_id}"


def _named_text(name: str | None, value) -> str:
    return f"{name} ({value})" if name else str(value)


def audit_row(event: AuditEvent, names: Names) -> AuditRow:
    return AuditRow(label=event.action_label, object_text=names.object_text(event), data=event.shown, name=names.value)


def message(event: AuditEvent, names: Names) -> str:
    """The row in a sentence, with names (its action's formatter in the registry)."""
    return audit_actions.message(event.action, audit_row(event, names))


def object_type_label(object_type: str) -> str:
    """The kind of thing a row is about, in words ("review round"), from its model's name."""
    if not object_type:
        return _("Nothing in particular")
    try:
        return str(apps.get_model(current_object_type(object_type))._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return object_type


def object_types() -> list[tuple[str, str]]:
    """The kinds of thing the trail has rows about, as (value, label) choices (one query), each
    once under its current label, however many labels its rows were written under."""
    present = AuditEvent.objects.exclude(object_type="").order_by().values_list("object_type", flat=True).distinct()
    current = {current_object_type(value) for value in present}
    return sorted(((value, object_type_label(value)) for value in current), key=lambda choice: choice[1])


def actor_text(actor) -> str:
    """Who did it: the account as it is now (an erased account shows as a former reviewer, its
    name and address gone), or the portal itself when no one was signed in (a task, the demo loader)."""
    if actor is None:
        return _("The portal (no one signed in)")
    name = actor.get_full_name()
    return f"{name} ({actor})" if name else str(actor)


def value_text(value) -> str:
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return _("%(count)s listed on the page of this change") % {"count": len(value)}
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return value or _("nothing")
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


def _in_words(names: "Names | None", key: str, value) -> str:
    if names is None or value is None:
        return value_text(value)
    return names.value(key, value)


def changes(event: AuditEvent, names: "Names | None" = None) -> list[Change]:
    """The fields the event changed, each with its value before and after, in words (ids with names)."""
    before, after = event.before, event.after
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(key.replace("_", " "), _in_words(names, key, before.get(key)), _in_words(names, key, after.get(key)))
        for key in keys
    ]


def detail_lines(event: AuditEvent, names: "Names | None" = None) -> list[tuple[str, str]]:
    """The event's other details (what it was about, counts), in words (ids with names)."""
    return [(key.replace("_", " "), _in_words(names, key, value)) for key, value in event.details.items()]


CSV_HEADER = [
    "When (UTC)",
    "Action",
    "Action code",
    "Who",
    "Account id",
    "Object type",
    "Object id",
    "Object name",
    "In words",
    "Before",
    "After",
    "Details",
]


def _json(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list]:
    """The rows of the CSV download, header first, read from the database in chunks so that a
    trail of any length streams without being held in memory. Text a spreadsheet would run as a
    formula is neutralised."""
    yield CSV_HEADER
    for chunk in _chunks(events.iterator(chunk_size=2000), 2000):
        names = Names(chunk)
        for event in chunk:
            yield _csv_row(event, names)


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_row(event: AuditEvent, names: Names) -> list:
    row = [
        event.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        event.action_label,
        event.action,
        actor_text(event.actor),
        event.actor_id or "",
        object_type_label(event.object_type) if event.object_type else "",
        event.object_id,
        names.object_name(event),
        message(event, names),
        _json(event.before),
        _json(event.after),
        _json(event.details),
    ]
    return [neutralise(value) for value in row]
