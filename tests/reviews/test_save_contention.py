"""A save the database gives up on because of other transactions' locks (PostgreSQL broke a
deadlock or a serialization conflict, or refused to wait; SQLite's busy timeout ran out) changes
nothing and is answered with the "try again" page (409), the reviewer's answers on it as typed.
Any other database error is not passed off as one. The errors are raised where a real one would
be, by the statement that counts the change, so everything the save wrote before is undone."""

import sqlite3

import psycopg
import pytest
from django.db import OperationalError

from bold_portal.locks import is_lock_contention
from bold_portal.models import AuditEvent
from reviews.models import Review, RoundVersion
from reviews.services import reviews as services
from reviews.services.reviews import VerdictInput, review_save

pytestmark = pytest.mark.django_db

BUSY_TEXT = "Many changes were being saved at the same moment, so yours has not been saved."


def database_error(cause: Exception) -> OperationalError:
    """The error Django raises from the driver's, as its wrapper does."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


CONTENTION = {
    "deadlock": psycopg.errors.DeadlockDetected("deadlock detected"),
    "serialization": psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
    "lock-not-available": psycopg.errors.LockNotAvailable("could not obtain lock on row in relation"),
    "sqlite-busy": sqlite3.OperationalError("database is locked"),
}
contention = pytest.mark.parametrize("cause", list(CONTENTION.values()), ids=list(CONTENTION))


@pytest.fixture
def counting_fails(monkeypatch):
    """Make the statement that counts a review change fail with the given driver error."""

    def fail_with(cause: Exception) -> None:
        def count(**kwargs):
            raise database_error(cause)

        monkeypatch.setattr(services, "version_reviews_changed", count)

    return fail_with


def html(response) -> str:
    return response.content.decode()


@contention
def test_a_submit_the_database_gave_up_on_changes_nothing_and_keeps_the_answers(
    client, world, answers, counting_fails, cause
):
    client.force_login(world.reviewer)
    counting_fails(cause)

    response = client.post(world.url("review"), answers(overall_comment="Typed just before the rush"))

    assert response.status_code == 409
    page = html(response)
    assert BUSY_TEXT in page and "<title>Error: " in page
    assert "Typed just before the rush" in page and "It does not say who receives the data." in page
    assert not Review.objects.exists()
    assert not AuditEvent.objects.filter(action="review_submitted").exists()
    assert RoundVersion.objects.get(round=world.round, version=world.version).change_count == 0


@contention
def test_a_withdrawal_the_database_gave_up_on_changes_nothing(client, world, answers, counting_fails, cause):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    counting_fails(cause)

    response = client.post(world.url("review_withdraw"), {"lock_version": "1"})

    assert response.status_code == 409 and BUSY_TEXT in html(response)
    review = Review.objects.get(reviewer=world.reviewer)
    assert (review.status, review.lock_version) == (Review.Status.SUBMITTED, 1)
    assert not AuditEvent.objects.filter(action="review_withdrawn").exists()


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.OperationalError("server closed the connection unexpectedly"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
        sqlite3.OperationalError("no such table: reviews_verdict"),
    ],
    ids=["connection-lost", "statement-timeout", "sqlite-schema"],
)
def test_other_database_errors_are_not_passed_off_as_a_busy_database(world, counting_fails, cause):
    counting_fails(cause)

    with pytest.raises(OperationalError) as raised:
        review_save(
            reviewer=world.reviewer,
            review_round=world.round,
            version=world.version,
            verdicts=[VerdictInput(principle_id=p.pk, verdict="meets") for p in (world.relevant, world.clear)],
            overall_comment="",
            expected_lock_version=0,
            submit=True,
        )

    assert raised.value.__cause__ is cause  # the error itself, not a "try again"
    assert not Review.objects.exists()


@contention
def test_lock_contention_is_told_by_the_drivers_error(cause):
    assert is_lock_contention(database_error(cause))
    assert not is_lock_contention(OperationalError(str(cause))), "a message alone, with no driver error, is not enough"
