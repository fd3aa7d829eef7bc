from decimal import Decimal

import pytest

from principles.rule import CROSS, INSUFFICIENT, TICK, cell_outcome


@pytest.mark.parametrize(
    ("meets", "does_not_meet", "not_sure", "threshold", "min_reviews", "expected"),
    [
        (2, 0, 0, "0.5", 2, TICK),
        (1, 1, 0, "0.5", 2, CROSS),  # a tie is a cross under a simple majority
        (2, 2, 0, "0.5", 2, CROSS),
        (3, 2, 0, "0.5", 2, TICK),
        (1, 0, 0, "0.5", 2, INSUFFICIENT),  # fewer verdicts than the minimum
        (0, 0, 3, "0.5", 2, INSUFFICIENT),  # only "not sure": nothing decided
        (1, 0, 1, "0.5", 2, TICK),  # not sure counts towards the minimum only
        (0, 1, 1, "0.5", 2, CROSS),
        (2, 1, 0, "0.66", 2, TICK),
        (2, 1, 0, "0.67", 2, CROSS),
        (1, 0, 0, "0", 1, TICK),
        (0, 1, 0, "0", 1, CROSS),
        (4, 0, 0, "0.5", 5, INSUFFICIENT),
    ],
)
def test_cell_outcome(meets, does_not_meet, not_sure, threshold, min_reviews, expected):
    outcome = cell_outcome(
        meets=meets,
        does_not_meet=does_not_meet,
        not_sure=not_sure,
        threshold=Decimal(threshold),
        min_reviews=min_reviews,
    )
    assert outcome == expected
