"""Reads of the audit trail, shared by the admins' audit page and its CSV download."""

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal.audit_actions import current_object_type, object_type_spellings
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
    return events


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


def changes(event: AuditEvent) -> list[Change]:
    """The fields the event changed, each with its value before and after, in words."""
    before, after = event.before, event.after
    names = list(dict.fromkeys([*before, *after]))
    return [Change(name.replace("_", " "), value_text(before.get(name)), value_text(after.get(name))) for name in names]


def detail_lines(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's other details (what it was about, counts), in words."""
    return [(name.replace("_", " "), value_text(value)) for name, value in event.details.items()]


CSV_HEADER = [
    "When (UTC)",
    "Action",
    "Action code",
    "Who",
    "Account id",
    "Object type",
    "Object id",
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
    for event in events.iterator(chunk_size=2000):
        row = [
            event.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            event.action_label,
            event.action,
            actor_text(event.actor),
            event.actor_id or "",
            object_type_label(event.object_type) if event.object_type else "",
            event.object_id,
            _json(event.before),
            _json(event.after),
            _json(event.details),
        ]
        yield [neutralise(value) for value in row]
