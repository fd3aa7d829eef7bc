"""The matrix rule: how a cell's three counts become a tick, a cross or "not enough reviews".

One definition, in two forms that must agree: cell_outcome for Python (pages explaining a
cell, tests) and outcome_sql for the database (the matrix is aggregated and stored in SQL).
Thresholds have two decimal places, so both compare whole numbers of hundredths: a tie is
always a cross, and no floating-point rounding can flip a cell.
"""

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


def one_change_outcomes(
    *, meets: int, does_not_meet: int, not_sure: int, threshold: Decimal, min_reviews: int
) -> frozenset[str]:
    """The outcomes, other than the cell's own, that one reviewer changing their verdict would
    give: one count down by one, another up by one, the number of reviews unchanged. Empty when
    no single change flips the cell (a "robust" cell); a cell with fewer than min_reviews
    reviews stays "not enough reviews" whatever one reviewer says, so it is never fragile."""
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
