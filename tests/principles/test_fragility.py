"""Fragility: which outcomes one reviewer changing their mind would give a cell. The count-level
rule (principles.rule.one_change_outcomes) is checked against a reviewer-level brute force: a
list of verdicts, each reviewer in turn given each other answer, the cell's outcome recounted."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from principles.rule import CROSS, INSUFFICIENT, TICK, cell_outcome, one_change_outcomes

ANSWERS = ("meets", "does_not_meet", "not_sure")


def outcome_of(verdicts: list[str], threshold: Decimal, min_reviews: int) -> str:
    return cell_outcome(
        meets=verdicts.count("meets"),
        does_not_meet=verdicts.count("does_not_meet"),
        not_sure=verdicts.count("not_sure"),
        threshold=threshold,
        min_reviews=min_reviews,
    )


def brute_force(verdicts: list[str], threshold: Decimal, min_reviews: int) -> frozenset[str]:
    current = outcome_of(verdicts, threshold, min_reviews)
    reachable = set()
    for reviewer, answer in enumerate(verdicts):
        for other in ANSWERS:
            if other != answer:
                changed = [*verdicts[:reviewer], other, *verdicts[reviewer + 1 :]]
                reachable.add(outcome_of(changed, threshold, min_reviews))
    return frozenset(reachable - {current})


@pytest.mark.slow  # a property test (hypothesis)
@given(
    verdicts=st.lists(st.sampled_from(ANSWERS), max_size=25),
    threshold=st.integers(0, 99).map(lambda hundredths: Decimal(hundredths) / 100),
    min_reviews=st.integers(1, 8),
)
def test_one_change_outcomes_agree_with_changing_each_reviewer_in_turn(verdicts, threshold, min_reviews):
    assert one_change_outcomes(
        meets=verdicts.count("meets"),
        does_not_meet=verdicts.count("does_not_meet"),
        not_sure=verdicts.count("not_sure"),
        threshold=threshold,
        min_reviews=min_reviews,
    ) == brute_force(verdicts, threshold, min_reviews)


@pytest.mark.parametrize(
    ("meets", "does_not_meet", "not_sure", "min_reviews", "expected"),
    [
        (3, 2, 0, 2, {CROSS}),  # 3 of 5 under a simple majority: one change makes it 2 of 5
        (20, 0, 0, 2, set()),  # 20 of 20: robust
        (1, 1, 0, 2, {TICK}),  # a tie is a cross; one change either way breaks it
        (1, 0, 1, 2, {CROSS, INSUFFICIENT}),  # the only "meets" becoming "not sure" leaves nobody decided
        (0, 0, 3, 2, {TICK, CROSS}),  # all unsure: one decision decides the cell
        (1, 0, 0, 2, set()),  # too few reviews: no single change adds one
        (2, 2, 0, 5, set()),
    ],
)
def test_one_change_outcomes_examples(meets, does_not_meet, not_sure, min_reviews, expected):
    assert one_change_outcomes(
        meets=meets, does_not_meet=does_not_meet, not_sure=not_sure, threshold=Decimal("0.5"), min_reviews=min_reviews
    ) == frozenset(expected)
