"""Reminders of reviews due in three days and today (docs/email.md), sent once a day by the beat
task reviews.tasks.assignment_reminders_send."""

import datetime
import logging
import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from audiences.models import Membership
from reviews.emails import reminder_email_send
from reviews.models import AssignmentReminder
from reviews.selectors.emails import reminders_due
from reviews.selectors.requests import latest_requests

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
    # What each email says of requests and who may decline: two queries for the whole batch.
    requests_by_assignment = latest_requests({r.assignment_id for reminders in by_person.values() for r in reminders})
    leads = set(
        Membership.objects.filter(user_id__in=by_person, role=Membership.Role.LEAD).values_list(
            "user_id", "organisation_id"
        )
    )
    sent = 0
    for reminders in by_person.values():
        person = reminders[0].person
        try:
            reminder_email_send(
                person=person,
                reminders=reminders,
                requests_by_assignment=requests_by_assignment,
                led={organisation for user, organisation in leads if user == person.pk},
            )
        except Exception:
            # Recorded, so never retried: a lost reminder is the price of never sending two.
            logger.exception("Could not send %s reminder(s) to account %s.", len(reminders), person.pk)
        else:
            sent += 1
    return sent
