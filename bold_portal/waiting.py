"""Versions of a round waiting for one task that handles them all, where the cache is Redis.

A change adds its versions to the round's set and, in the same MULTI, sets the round's flag with
SET NX: only the change that set the flag queues the task (a given delay ahead, for the changes
made meanwhile to join). The task clears the flag, then takes and empties the set in one MULTI, so
a version added after the flag was cleared is either taken now or queues the next task: none is
left waiting with nothing queued. Under load, one task then handles the versions of many submits,
instead of one message each (docs/architecture.md, "Work counted together")."""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from redis import Redis

FLAG_SECONDS = 600
# Versions left waiting (their message lost) are healed meanwhile by the task's own repair: the
# matrix sweep, the nightly progress refresh.
VERSIONS_SECONDS = 86_400


@functools.cache
def waiting_store() -> Redis | None:
    """The Redis database of the cache, or None on a setup without Redis (the embedded default)."""
    return Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


@dataclass(frozen=True)
class WaitingVersions:
    # Key names with a {round_id} field: the round's set of versions, and its "a task is queued" flag.
    versions_key: str
    flag_key: str

    def add(self, round_id: int, version_ids: Iterable[int], *, delay: int, queue: Callable[[], object]) -> bool:
        """Add the versions to the round's set; if no task is queued for the round, call queue(), which
        queues one delay seconds ahead. Returns whether this call queued it. Raises what the store or
        queue() raise; a task that could not be queued leaves the flag cleared, so the next change
        queues one, which takes these versions too."""
        store = waiting_store()
        versions, flag = self.versions_key.format(round_id=round_id), self.flag_key.format(round_id=round_id)
        with store.pipeline() as adding:
            adding.sadd(versions, *version_ids)
            adding.expire(versions, VERSIONS_SECONDS)
            adding.set(flag, 1, nx=True, ex=FLAG_SECONDS + delay)
            *_, first = adding.execute()
        if first:
            try:
                queue()
            except Exception:
                store.delete(flag)
                raise
        return bool(first)

    def take(self, round_id: int) -> list[int]:
        """Clear the round's flag, then take and empty its set: the versions waiting, in order."""
        store = waiting_store()
        versions = self.versions_key.format(round_id=round_id)
        store.delete(self.flag_key.format(round_id=round_id))
        with store.pipeline() as taking:  # MULTI: a version added meanwhile is either taken or left for the next
            taking.smembers(versions)
            taking.delete(versions)
            waiting, _deleted = taking.execute()
        return sorted(int(version_id) for version_id in waiting)
