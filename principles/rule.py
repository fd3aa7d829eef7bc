"""The matrix rule: how a cell's three counts become a tick, a cross or "not enough reviews".

One definition, in two forms that must agree: cell_outcome for Python (pages explaining a
cell, tests) and outcome_sql for the database (the matrix is aggregated and stored in SQL).
Thresholds have two decimal places, so both compare whole numbers of hundredths: a tie is
always a cross, and no floating-point rounding can flip a cell.
"""

import functools
from decimal import Decimal

TICK = "tick"
CROSS = "cross"
INSUFFICIENT = "insufficient"
OUTCOMES = (TICK, CROSS, INSUFFICIENT)


def threshold_hundredths(threshold: Decimal) -> int:
    return int((Decimal(threshold) * 100).to_integral_exact())


def cell_outcome(*, meets: int, does_not_meet: int, not_sure: int, threshold: Decimal, min_reviews: int) -> str:
    """Not enough reviews when fewer than min_reviews verdicts or nobody decided; else a tick
    when meets is more than threshold x (meets + does not meet); else a cross."""
    decided = meets + does_not_meet
    if decided + not_sure < min_reviews or decided == 0:
        return INSUFFICIENT
    return TICK if meets * 100 > threshold_hundredths(threshold) * decided else CROSS


def outcome_sql(meets: str, does_not_meet: str, not_sure: str) -> str:
    """The same rule as a SQL CASE over three count expressions, taking two parameters in
    order: min_reviews, then the threshold in hundredths (see outcome_sql_params)."""
    decided = f"({meets} + {does_not_meet})"
    return (
        f"CASE WHEN {decided} + {not_sure} < %s OR {decided} = 0 THEN '{INSUFFICIENT}' "
        f"WHEN {meets} * 100 > %s * {decided} THEN '{TICK}' ELSE '{CROSS}' END"
    )


def outcome_sql_params(*, threshold: Decimal, min_reviews: int) -> list[int]:
    return [min_reviews, threshold_hundredths(threshold)]


# The three places a verdict can be counted, as (meets, does not meet, not sure) steps.
_VERDICT_STEPS = ((1, 0, 0), (0, 1, 0), (0, 0, 1))


@functools.lru_cache(maxsize=8192)
def one_change_outcomes(
    *, meets: int, does_not_meet: int, not_sure: int, threshold: Decimal, min_reviews: int
) -> frozenset[str]:
    """The outcomes, other than the cell's own, that one reviewer changing their verdict would
    give: one count down by one, another up by one, the number of reviews unchanged. Empty when
    no single change flips the cell (a "robust" cell); a cell with fewer than min_reviews
    reviews stays "not enough reviews" whatever one reviewer says, so it is never fragile. Cached:
    a round's cells share few distinct counts, and an export asks for every cell's."""
    counts = (meets, does_not_meet, not_sure)
    current = cell_outcome(
        meets=meets, does_not_meet=does_not_meet, not_sure=not_sure, threshold=threshold, min_reviews=min_reviews
    )
    reachable = set()
    for source, away in enumerate(_VERDICT_STEPS):
        if counts[source] == 0:
            continue
        for target, towards in enumerate(_VERDICT_STEPS):
            if target == source:
                continue
            moved = [count - a + t for count, a, t in zip(counts, away, towards, strict=True)]
            reachable.add(
                cell_outcome(
                    meets=moved[0],
                    does_not_meet=moved[1],
                    not_sure=moved[2],
                    threshold=threshold,
                    min_reviews=min_reviews,
                )
            )
    reachable.discard(current)
    return frozenset(reachable)


@functools.lru_cache(maxsize=8192)
def flip_margin(*, meets: int, does_not_meet: int, not_sure: int, threshold: Decimal, min_reviews: int) -> int | None:
    """The margin of a cell: the fewest reviewers who would have to change their verdict (the
    number of reviews unchanged) to give it another outcome; 1 for a fragile cell. None when no
    change of verdicts can (fewer than min_reviews reviews stay "not enough reviews")."""
    current = cell_outcome(
        meets=meets, does_not_meet=does_not_meet, not_sure=not_sure, threshold=threshold, min_reviews=min_reviews
    )
    total = meets + does_not_meet + not_sure
    best = None
    for new_meets in range(total + 1):
        for new_not_met in range(total - new_meets + 1):
            new_not_sure = total - new_meets - new_not_met
            outcome = cell_outcome(
                meets=new_meets,
                does_not_meet=new_not_met,
                not_sure=new_not_sure,
                threshold=threshold,
                min_reviews=min_reviews,
            )
            if outcome != current:
                # Each change moves one verdict from one count to another.
                moves = (abs(new_meets - meets) + abs(new_not_met - does_not_meet) + abs(new_not_sure - not_sure)) // 2
                best = moves if best is None else min(best, moves)
    return best
