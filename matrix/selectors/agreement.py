"""Agreement between reviewers (Krippendorff's alpha): what its measurement reads (the decided
cells, the reviewers it rests on) and the stored figures the pages, exports and API show."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.utils import timezone

from matrix.models import Matrix, MatrixAgreement, MatrixCell
from matrix.selectors.cells import MatrixState, matrix_state
from matrix.wording import agreement_in_words
from principles.models import Principle
from reviews.models import Review, ReviewRound, Verdict

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only table names from the models and this module's own SQL fragments are formatted into the SQL;
# every value is a query parameter.


def agreement_document(agreement: "RoundAgreement") -> dict:
    """The round's agreement in the export shape: when it was last measured, the whole round's
    figure, then each principle's (alpha null when there is not enough data), then whether it is
    being updated. Figures measured before the latest changes are never handed out: while it is
    being updated, the round's figure is null and the principles' list empty, as on the page."""
    current = not agreement.is_updating
    return {
        "computed_at": agreement.computed_at.isoformat() if agreement.computed_at else None,
        "round": agreement.round.as_dict() if agreement.round and current else None,
        "principles": [figure.as_dict() for figure in agreement.principles] if current else [],
        "is_updating": agreement.is_updating,
    }


def agreement_refresh_wait(round_id: int, *, every_seconds: int) -> float:
    """Seconds until the round's agreement may be measured again: every_seconds after the stored
    figures began to be measured, 0 when that is past or they never were. One query."""
    measured_at = Matrix.objects.filter(round_id=round_id).values_list("agreement_measured_at", flat=True).first()
    if measured_at is None:
        return 0.0
    due_at = measured_at + datetime.timedelta(seconds=every_seconds)
    return max(0.0, (due_at - timezone.now()).total_seconds())


def round_decided_counts(review_round: ReviewRound) -> list[tuple[int, int, int, int]]:
    """(version id, principle id, meets, does not meet) of every stored cell of the round's
    principles with at least two reviewers who decided: the units agreement is measured on. One
    query; a tuple a cell, so 10,000 use cases of 4 principles are 40,000 small tuples."""
    return list(
        MatrixCell.objects.filter(round=review_round, principle__in=review_round.principles.all())
        .annotate(decided=F("meets") + F("does_not_meet"))
        .filter(decided__gte=2)
        .values_list("version_id", "principle_id", "meets", "does_not_meet")
        .iterator(chunk_size=10_000)
    )


# Names the statement in logs and lets tests and the docs EXPLAIN it.
REVIEWER_COUNTS_MARK = "/* matrix: agreement reviewer counts */"


def agreement_reviewer_counts(review_round: ReviewRound) -> tuple[dict[int, int], int]:
    """How many reviewers the agreement rests on: per principle, and for the round, the people
    whose submitted "meets" or "does not meet" is on a use case that at least one other reviewer
    decided on too. One query: the round's decided verdicts, each with the number of decided
    verdicts on its (version, principle) counted by a window over them, reduced to the distinct
    (reviewer, principle) pairs of the round's principles, a few hundred rows at most, counted
    here. It reads the round's reviews and their verdicts once (SQLite: by the round's reviews, then
    each one's verdicts by index; PostgreSQL: a hash join, as the recompute does) and sorts them:
    never the stored cells, whose join made SQLite read every verdict of a principle for each cell.
    The principles are filtered after the count, which depends on the principle anyway: joined
    inside, they misled PostgreSQL's estimates into probing a review for every verdict."""
    tables = {
        "verdict": Verdict._meta.db_table,
        "review": Review._meta.db_table,
        "round_principle": ReviewRound.principles.through._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            {REVIEWER_COUNTS_MARK}
            SELECT DISTINCT reviewer_id, principle_id
            FROM (
                SELECT r.reviewer_id AS reviewer_id, v.principle_id AS principle_id,
                    COUNT(*) OVER (PARTITION BY r.version_id, v.principle_id) AS decided
                FROM {tables["review"]} r
                JOIN {tables["verdict"]} v ON v.review_id = r.id
                WHERE r.round_id = %(round)s AND r.status = %(submitted)s AND v.verdict IN (%(meets)s, %(not)s)
            ) decided_verdicts
            WHERE decided >= 2 AND principle_id IN (
                SELECT rp.principle_id FROM {tables["round_principle"]} rp WHERE rp.reviewround_id = %(round)s
            )
            """,  # nosec
            {
                "round": review_round.pk,
                "submitted": Review.Status.SUBMITTED,
                "meets": Verdict.Choice.MEETS,
                "not": Verdict.Choice.DOES_NOT_MEET,
            },
        )
        pairs = cursor.fetchall()
    per_principle: dict[int, int] = {}
    for _reviewer_id, principle_id in pairs:
        per_principle[principle_id] = per_principle.get(principle_id, 0) + 1
    return per_principle, len({reviewer_id for reviewer_id, _principle_id in pairs})


@dataclass(frozen=True)
class AgreementFigure:
    """One stored alpha: principle None for the whole round; alpha None when undefined."""

    principle: Principle | None
    alpha: float | None
    reviewers: int
    use_cases: int

    @property
    def in_words(self) -> str:
        return agreement_in_words(self.alpha)

    def as_dict(self) -> dict:
        return {
            "principle": self.principle.slug if self.principle else None,
            "alpha": None if self.alpha is None else round(self.alpha, 4),
            "reviewers": self.reviewers,
            "use_cases": self.use_cases,
        }


@dataclass(frozen=True)
class RoundAgreement:
    computed_at: datetime.datetime | None  # None: not computed yet
    round: AgreementFigure | None
    principles: tuple[AgreementFigure, ...]
    # Reviews or cells changed since the figures were measured (or they never were, though the
    # matrix has been computed): they are not current.
    is_updating: bool
    # The matrix is current but the figures are behind it: measuring them again is due (while the
    # matrix itself is behind, its recompute comes first and makes the refresh due).
    refresh_due: bool


def round_agreement(review_round: ReviewRound, *, state: MatrixState | None = None) -> RoundAgreement:
    """The round's stored agreement figures, the round's first, then its principles in order, and
    whether they are being updated (from the round's matrix_state). One query, and matrix_state's
    two unless the caller has its state already."""
    if state is None:
        state = matrix_state(review_round)
    rows = list(
        MatrixAgreement.objects.filter(matrix__round=review_round)
        .select_related("principle")
        .order_by("principle__order", "principle__name")
    )
    figures = {
        row.principle_id: AgreementFigure(
            principle=row.principle, alpha=row.alpha, reviewers=row.reviewers, use_cases=row.use_cases
        )
        for row in rows
    }
    return RoundAgreement(
        computed_at=min((row.computed_at for row in rows), default=None),
        round=figures.pop(None, None),
        principles=tuple(figures.values()),
        is_updating=state.computed_at is not None and (state.is_updating or state.agreement_behind),
        refresh_due=state.computed_at is not None and state.agreement_behind and not state.is_updating,
    )
