"""Property tests of the matrix engine: after any sequence of review changes, the cells the
incremental (per-version) path stored equal a full recompute from nothing and a plain Python
reading of the rule over the verdicts given; and the rule's SQL form agrees with its Python form."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrix.models import MatrixCell, MatrixRow
from matrix.selectors.cells import matrix_state
from matrix.services.recompute import matrix_recompute
from principles.rule import CROSS, INSUFFICIENT, TICK, cell_outcome, outcome_sql, outcome_sql_params
from reviews.models import Review, RoundVersion, Verdict
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from reviews.services.rounds import round_rule_change
from tests.factories import make_principle, make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db

CHOICES = list(Verdict.Choice.values)
PRINCIPLES = 3
VERSIONS = 3
REVIEWERS = 4

thresholds = st.integers(min_value=0, max_value=99).map(lambda hundredths: Decimal(hundredths) / 100)
verdict_lists = st.lists(st.sampled_from(CHOICES), min_size=PRINCIPLES, max_size=PRINCIPLES)
steps = st.one_of(
    st.tuples(
        st.sampled_from(["submit", "draft", "withdraw"]),
        st.integers(0, REVIEWERS - 1),
        st.integers(0, VERSIONS - 1),
        verdict_lists,
    ),
    st.tuples(st.just("rule"), thresholds, st.integers(1, 4)),
)


class World:
    """A fresh round per example (the database is shared by all examples of a test)."""

    def __init__(self, *, versions: int, threshold: Decimal, min_reviews: int):
        self.principles = [make_principle() for _ in range(PRINCIPLES)]
        self.versions = [make_version() for _ in range(versions)]
        self.reviewers = [make_reviewer() for _ in range(REVIEWERS)]
        self.round = make_round(
            principles=self.principles, versions=self.versions, threshold=threshold, min_reviews=min_reviews
        )
        # (reviewer, version) -> the review's latest state as the test saved it.
        self.reviews: dict[tuple[int, int], Review] = {}
        self.submitted: dict[tuple[int, int], list[str]] = {}

    def save(self, who: int, which: int, verdicts: list[str], *, submit: bool) -> None:
        key = (who, which)
        existing = self.reviews.get(key)
        if not submit and existing is not None and existing.status == Review.Status.SUBMITTED:
            with pytest.raises(ValidationError):  # a submitted review never goes back to draft
                self._save(key, verdicts, submit=False)
            return
        self.reviews[key] = self._save(key, verdicts, submit=submit)
        if submit:
            self.submitted[key] = verdicts
        # A draft of a review that is not submitted changes nothing that counts.

    def _save(self, key, verdicts, *, submit):
        who, which = key
        existing = self.reviews.get(key)
        return review_save(
            reviewer=self.reviewers[who],
            review_round=self.round,
            version=self.versions[which],
            verdicts=[
                VerdictInput(principle_id=p.pk, verdict=v, reason="Because")
                for p, v in zip(self.principles, verdicts, strict=True)
            ],
            overall_comment="",
            expected_lock_version=existing.lock_version if existing else 0,
            submit=submit,
        )

    def withdraw(self, who: int, which: int) -> None:
        key = (who, which)
        existing = self.reviews.get(key)
        if existing is None or existing.status != Review.Status.SUBMITTED:
            return
        self.reviews[key] = review_withdraw(
            review=existing, actor=self.reviewers[who], expected_lock_version=existing.lock_version
        )
        del self.submitted[key]

    def change_rule(self, threshold: Decimal, min_reviews: int) -> None:
        self.round = round_rule_change(
            review_round=self.round, threshold=threshold, min_reviews=min_reviews, actor=None
        )

    def reference(self) -> dict[tuple[int, int], tuple]:
        """Every cell from the verdicts submitted, by plain counting and the Python rule."""
        cells = {}
        for which, version in enumerate(self.versions):
            for index, principle in enumerate(self.principles):
                counts = Counter(
                    verdicts[index] for (_, of_version), verdicts in self.submitted.items() if of_version == which
                )
                meets = counts[Verdict.Choice.MEETS]
                does_not_meet = counts[Verdict.Choice.DOES_NOT_MEET]
                not_sure = counts[Verdict.Choice.NOT_SURE]
                outcome = cell_outcome(
                    meets=meets,
                    does_not_meet=does_not_meet,
                    not_sure=not_sure,
                    threshold=self.round.threshold,
                    min_reviews=self.round.min_reviews,
                )
                cells[(version.pk, principle.pk)] = (outcome, meets, does_not_meet, not_sure)
        return cells

    def stored(self) -> dict[tuple[int, int], tuple]:
        return {
            (c.version_id, c.principle_id): (c.outcome, c.meets, c.does_not_meet, c.not_sure)
            for c in MatrixCell.objects.filter(round=self.round)
        }


@pytest.mark.slow  # a property test (hypothesis)
@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    versions=st.integers(2, VERSIONS),
    threshold=thresholds,
    min_reviews=st.integers(1, 3),
    computed_first=st.booleans(),
    plan=st.lists(steps, min_size=1, max_size=12),
)
def test_incremental_cells_equal_a_full_recompute_and_the_rule(
    django_capture_on_commit_callbacks, versions, threshold, min_reviews, computed_first, plan
):
    world = World(versions=versions, threshold=threshold, min_reviews=min_reviews)
    if computed_first:  # as the sweep would have done before the first review
        matrix_recompute(round_id=world.round.pk)

    for step in plan:
        with django_capture_on_commit_callbacks(execute=True):
            if step[0] == "rule":
                world.change_rule(*step[1:])
            else:
                kind, who, which, verdicts = step
                which %= versions
                if kind == "withdraw":
                    world.withdraw(who, which)
                else:
                    world.save(who, which, verdicts, submit=kind == "submit")
        stored, expected = world.stored(), world.reference()
        # Every version whose reviews changed (or every version, after a full recompute) has
        # current cells equal to the rule applied to what was submitted.
        for key, cell in stored.items():
            assert cell == expected[key], (step, key)
        for version in world.versions:
            changed = RoundVersion.objects.get(round=world.round, version=version).change_count > 0
            has_row = MatrixRow.objects.filter(round=world.round, version=version).exists()
            if changed or has_row:
                assert has_row and not matrix_state(world.round, version_ids=[version.pk]).is_updating

    incremental = world.stored()
    MatrixRow.objects.filter(round=world.round).delete()
    MatrixCell.objects.filter(round=world.round).delete()
    matrix_recompute(round_id=world.round.pk, version_ids=None)
    full = world.stored()

    assert full == world.reference()
    assert len(full) == versions * PRINCIPLES
    for key, cell in full.items():
        if key in incremental:
            assert incremental[key] == cell
        else:  # a version nobody's submitted review ever touched, and no full recompute yet
            assert cell[1:] == (0, 0, 0), key
    assert not matrix_state(world.round).is_updating


def sql_outcome(*, meets: int, does_not_meet: int, not_sure: int, threshold: Decimal, min_reviews: int) -> str:
    """The rule's SQL form evaluated by the test database, the counts as integer literals."""
    expression = outcome_sql(str(int(meets)), str(int(does_not_meet)), str(int(not_sure)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}", outcome_sql_params(threshold=threshold, min_reviews=min_reviews))
        return cursor.fetchone()[0]


@pytest.mark.slow  # a property test (hypothesis)
@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    meets=st.integers(0, 400),
    does_not_meet=st.integers(0, 400),
    not_sure=st.integers(0, 50),
    threshold=thresholds,
    min_reviews=st.integers(1, 30),
)
def test_the_rule_in_sql_agrees_with_the_rule_in_python(db, meets, does_not_meet, not_sure, threshold, min_reviews):
    counts = {"meets": meets, "does_not_meet": does_not_meet, "not_sure": not_sure}

    in_python = cell_outcome(**counts, threshold=threshold, min_reviews=min_reviews)
    in_sql = sql_outcome(**counts, threshold=threshold, min_reviews=min_reviews)

    assert in_sql == in_python


@pytest.mark.parametrize(
    ("meets", "does_not_meet", "not_sure", "threshold", "min_reviews", "expected"),
    [
        (1, 1, 0, "0.50", 2, CROSS),  # a tie is a cross
        (2, 1, 0, "0.66", 2, TICK),  # 200 > 198
        (2, 1, 0, "0.67", 2, CROSS),  # 200 > 201 fails
        (0, 0, 5, "0.50", 2, INSUFFICIENT),  # nobody decided
        (1, 0, 0, "0.00", 2, INSUFFICIENT),  # fewer verdicts than the minimum
        (1, 0, 1, "0.00", 2, TICK),  # not sure counts towards the minimum
        (1, 0, 0, "0.00", 1, TICK),
        (0, 1, 0, "0.00", 1, CROSS),  # 0 > 0 fails
        (57, 43, 0, "0.57", 1, CROSS),  # exactly at the threshold
        (58, 42, 0, "0.57", 1, TICK),
        (99, 1, 0, "0.99", 1, CROSS),
    ],
)
def test_the_rule_at_its_edges(db, meets, does_not_meet, not_sure, threshold, min_reviews, expected):
    counts = {"meets": meets, "does_not_meet": does_not_meet, "not_sure": not_sure}
    rule = {"threshold": Decimal(threshold), "min_reviews": min_reviews}

    assert cell_outcome(**counts, **rule) == expected
    assert sql_outcome(**counts, **rule) == expected
