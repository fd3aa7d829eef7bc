"""Telling lock contention from other database errors.

Services lock rows in a fixed order (docs/architecture.md, "Integrity in the database"), so saves
wait for each other rather than deadlock. What is left when many people save at once, a
transaction the database gave up on because of other transactions' locks, is not a fault of the
portal: nothing was written, and the same change can simply be made again. Services turn it into
an answer the person can act on ("try again"), never a server error."""

import sqlite3

from django.db import DatabaseError

# PostgreSQL's serialization_failure, deadlock_detected and lock_not_available.
CONTENTION_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_lock_contention(error: DatabaseError) -> bool:
    """Whether the error says the transaction lost a race for locks: PostgreSQL broke a deadlock or
    a serialization conflict, or refused to wait for a lock; or SQLite's busy timeout ran out
    ("database is locked"). Django raises its own error from the driver's, which says which."""
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in CONTENTION_SQLSTATES:
        return True
    return isinstance(cause, sqlite3.OperationalError) and "is locked" in str(cause)
