"""Steps on connections of their own, for tests of what two PostgreSQL sessions do to each
other's locks. CI runs these with BOLD_REQUIRE_SERVICES=1, where a missing PostgreSQL fails
instead of skipping."""

import os
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction


def require_postgresql(what: str) -> None:
    """Skip (or, with BOLD_REQUIRE_SERVICES=1, fail) unless the test database is PostgreSQL."""
    if connection.vendor != "postgresql":
        reason = f"{what} needs two PostgreSQL connections and row locks; the test database is {connection.vendor}."
        if os.environ.get("BOLD_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


# Long enough for any healthy step on a loaded machine; a step that should not wait finishes in
# milliseconds, and a step that waits for a lock never finishes on its own.
STEP_SECONDS = 15


class Step(threading.Thread):
    """A step on a connection of its own (Django gives each thread one), recording its result or
    error and closing its connection when done, so the test database can be flushed."""

    def __init__(self, name: str, target: Callable):
        super().__init__(name=name, daemon=True)
        self._target_call = target
        self.result = None
        self.error: BaseException | None = None
        self.backend_pid: int | None = None
        self.started_work = threading.Event()
        self.done = threading.Event()

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.started_work.set()
            self.result = self._target_call()
        except BaseException as error:  # handed to the test thread
            self.error = error
        finally:
            self.done.set()
            connections.close_all()

    def outcome(self):
        assert self.done.wait(STEP_SECONDS), f"{self.name} did not finish within {STEP_SECONDS} s"
        self.join(STEP_SECONDS)
        if self.error is not None:
            raise self.error
        return self.result


def blocking_pids(pid: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_blocking_pids(%s)", [pid])
        return list(cursor.fetchone()[0])


def wait_until_blocked_by(step: Step, *holders: Step) -> None:
    """Wait (bounded) until PostgreSQL reports that step's backend waits for a lock of one of
    the holders (a row locked by several is waited for one holder at a time)."""
    assert step.started_work.wait(STEP_SECONDS)
    assert all(holder.started_work.wait(STEP_SECONDS) for holder in holders)
    pids = {holder.backend_pid for holder in holders}
    deadline = time.monotonic() + STEP_SECONDS
    while time.monotonic() < deadline:
        if pids & set(blocking_pids(step.backend_pid)):
            return
        assert not step.done.is_set(), f"{step.name} finished instead of waiting: {step.error!r}"
        time.sleep(0.02)
    pytest.fail(f"{step.name} was never seen waiting for {', '.join(holder.name for holder in holders)}")


def held_in_transaction(action, done: threading.Event, go_on: threading.Event):
    """Run action inside a transaction that stays open (its locks held) until go_on is set; done
    is set once action has run, its locks taken."""

    def run():
        with transaction.atomic():
            result = action()
            done.set()
            assert go_on.wait(STEP_SECONDS)
        return result

    return run
