"""State changes for reviews and rounds. Each runs in one transaction and writes an audit row."""

import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audiences.models import Audience, Membership, Organisation
from audiences.services import Ensured, audit_value, drifted_fields_set, reviewers_ensure
from bold_portal.locks import is_lock_contention
from bold_portal.models import audit
from bold_portal.text import grouped
from principles.models import Principle
from reviews.emails import reminder_email_send
from reviews.models import (
    REVIEW_TEXT_SUBMIT_MAX,
    Assignment,
    AssignmentReminder,
    AssignmentRequest,
    DeclaredInterest,
    Review,
    ReviewRound,
    RoundVersion,
    Verdict,
    blocking_interest,
)
from reviews.selectors import reminders_due
from reviews.signals import matrix_inputs_changed
from usecases.models import UseCaseVersion

if TYPE_CHECKING:
    from reviews.imports import VerdictRow

logger = logging.getLogger(__name__)


REMINDER_DAYS_BEFORE = 3


def reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind each person of the reviews they have not submitted that are due in three days or
    today (UK date), one email per person; at most once per person, assignment and kind, ever.

    The records are inserted (skipping any that exist) and committed before anything is sent, so
    a crash between the two loses those reminders but a rerun never sends one twice; a run sends
    only the rows it inserted itself, found by its batch id. Call outside any transaction (the
    beat task does). Returns how many emails were sent."""
    today = today or timezone.localdate()
    kinds = {
        today + datetime.timedelta(days=REMINDER_DAYS_BEFORE): AssignmentReminder.Kind.DUE_SOON,
        today: AssignmentReminder.Kind.DUE_TODAY,
    }
    due = reminders_due(dates=kinds)
    if not due:
        return 0
    batch = uuid.uuid4()
    with transaction.atomic():
        AssignmentReminder.objects.bulk_create(
            [
                AssignmentReminder(
                    person_id=item.person_id,
                    assignment_id=item.assignment_id,
                    kind=kinds[item.due_on],
                    due_on=item.due_on,
                    batch=batch,
                )
                for item in due
            ],
            ignore_conflicts=True,
        )
    mine = AssignmentReminder.objects.filter(batch=batch).select_related(
        "person", "assignment__round", "assignment__version__use_case__audience"
    )
    by_person: dict[int, list[AssignmentReminder]] = defaultdict(list)
    for reminder in mine.order_by("person_id", "pk"):
        by_person[reminder.person_id].append(reminder)
    sent = 0
    for reminders in by_person.values():
        person = reminders[0].person
        try:
            reminder_email_send(person=person, reminders=reminders)
        except Exception:
            # Recorded, so never retried: a lost reminder is the price of never sending two.
            logger.exception("Could not send %s reminder(s) to account %s.", len(reminders), person.pk)
        else:
            sent += 1
    return sent
