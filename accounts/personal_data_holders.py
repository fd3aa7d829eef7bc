"""The personal data other apps hold about a person. accounts imports no app above it, so each
app that keeps personal rows registers, from its AppConfig.ready, how to erase one person's
(account_erase) and how to delete what has outlived its retention period (personal_data_purge)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErasedRows:
    """What one app removed for a person, for the account_erased audit row: values before and
    after (ids and counts, never a name or an address) and other details (counts)."""

    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)


# Called inside account_erase's transaction with the account (locked) and its email address
# before erasure; removes that app's rows about the person.
Eraser = Callable[..., ErasedRows]
# Called with the time the purge counts from; deletes that kind's expired rows in a transaction of
# its own and returns how many.
Purger = Callable[[datetime.datetime], int]

_erasers: dict[str, Eraser] = {}
_purgers: dict[str, Purger] = {}


def eraser(app_label: str) -> Callable[[Eraser], Eraser]:
    """Register the decorated function as app_label's part of erasing a person (once per app)."""

    def register(function: Eraser) -> Eraser:
        _erasers[app_label] = function
        return function

    return register


def purger(kind: str) -> Callable[[Purger], Purger]:
    """Register the decorated function as the nightly purge of kind ("invitations")."""

    def register(function: Purger) -> Purger:
        _purgers[kind] = function
        return function

    return register


def erasers() -> list[Eraser]:
    return list(_erasers.values())


def purgers() -> dict[str, Purger]:
    return dict(_purgers)
