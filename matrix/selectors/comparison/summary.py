"""The comparison's summary: "n improved, m worsened", the use cases with a change, and each round's
use cases and those below its minimum. Counting it reads both rounds' versions and cells, so it is
kept in Django's cache for an ordered pair of rounds, with the state of both rounds it was counted
in, and counted again as soon as either round's state has moved on.

A round's state is everything the summary reads that can change: the round's rule (its
rule_version goes up with every change of its principles, versions, threshold or minimum) and its
minimum; its matrix header's rule and generation (which every recompute that claims a row, writes a
cell or removes one moves on); and the number and the sum of its versions' change counters (a
review submitted, changed or withdrawn moves one on, and its version's cells are then being updated
and not compared until a recompute claims its row, which moves the generation on). The round's
creation time tells a round from an earlier one that had its id. Every counter only goes up, and
the state is read before the summary is counted, so a kept summary is never older than the state
it is kept under, and a page never shows a summary of other cells than its own."""

from dataclasses import dataclass

from django.core.cache import cache

from matrix.selectors.comparison.statements import SUMMARY, comparison_sql, fetch_rows, tables
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import ReviewRound

# Long enough to outlive a round's busy days; a summary whose rounds changed is replaced at once.
SUMMARY_CACHE_SECONDS = 7 * 24 * 60 * 60

# Each round's state, in the order of its id: one pass over its versions by the round's index.
_STATE = """
    SELECT r.id, r.created_at, r.rule_version, r.min_reviews, m.rule_version, m.generation,
        COALESCE(v.versions, 0), COALESCE(v.changes, 0)
    FROM {round} r
    LEFT JOIN {header} m ON m.round_id = r.id
    LEFT JOIN (
        SELECT round_id, COUNT(*) AS versions, SUM(change_count) AS changes
        FROM {round_version}
        WHERE round_id IN (%(a)s, %(b)s)
        GROUP BY round_id
    ) v ON v.round_id = r.id
    WHERE r.id IN (%(a)s, %(b)s)
    ORDER BY r.id
"""


@dataclass(frozen=True)
class SummaryFigures:
    """The summary's counts over every use case of both rounds (a: the first round, b: the second)."""

    use_cases: int
    changed_use_cases: int
    improved: int
    worsened: int
    unchanged: int
    use_cases_a: int
    below_minimum_a: int
    use_cases_b: int
    below_minimum_b: int


def _cache_key(round_a: ReviewRound, round_b: ReviewRound) -> str:
    return f"matrix:round-comparison-summary:{round_a.pk}:{round_b.pk}"


def comparison_summary(*, round_a: ReviewRound, round_b: ReviewRound) -> SummaryFigures:
    """The summary of round_a against round_b as their stored cells give it now. One query when
    neither round changed since it was last counted, two when one did."""
    params = {"a": round_a.pk, "b": round_b.pk}
    state = tuple(fetch_rows(_STATE.format(**tables()), params))
    key = _cache_key(round_a, round_b)
    kept = cache.get(key)
    if kept is None or kept[0] != state:
        [row] = fetch_rows(
            comparison_sql(SUMMARY), {**params, "insufficient": INSUFFICIENT, "tick": TICK, "cross": CROSS}
        )
        # Plain numbers, not the dataclass, so that a kept summary outlives a change of this code.
        kept = (state, tuple(int(value) for value in row))
        cache.set(key, kept, timeout=SUMMARY_CACHE_SECONDS)
    return SummaryFigures(*kept[1])
