"""Agreement between reviewers: Krippendorff's alpha, refreshed after a recompute (matrix.tasks)
or when read behind its cells (docs/architecture.md)."""

import logging

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from matrix.agreement import nominal_alpha
from matrix.models import Matrix, MatrixAgreement
from matrix.selectors.agreement import agreement_reviewer_counts, round_decided_counts
from reviews.models import ReviewRound

logger = logging.getLogger(__name__)


def matrix_agreement_refresh(*, round_id: int) -> list[MatrixAgreement] | None:
    """Store the round's agreement (Krippendorff's alpha, matrix.agreement) per principle and for
    the whole round, from the stored cells: the units are (use case version, principle) cells,
    the values meets and does not meet, "not sure" no answer. Replaces the round's previous
    figures in one transaction and notes on the round's header the generation they were measured
    at, read before the cells, so figures measured from older cells never pass for current ones.
    Like a recompute, it is the system's bookkeeping, not anybody's decision, so it is not
    audited. Returns None when the round or its matrix does not exist, or when figures measured
    from newer cells were stored meanwhile (then this refresh writes nothing)."""
    review_round = ReviewRound.objects.filter(pk=round_id).first()
    header = Matrix.objects.filter(round_id=round_id).values("pk", "generation").first()
    if review_round is None or header is None:
        return None
    started_at = timezone.now()
    principle_ids = list(review_round.principles.order_by("order", "name").values_list("pk", flat=True))
    cells = round_decided_counts(review_round)
    # Columns: version id, principle id, meets, does not meet (one row per pairable cell).
    table = np.array(cells, dtype=np.int64).reshape(-1, 4)
    reviewers, all_reviewers = agreement_reviewer_counts(review_round)
    now = timezone.now()
    figures = []
    for principle_id in principle_ids:
        alpha = nominal_alpha(table[table[:, 1] == principle_id][:, 2:])
        figures.append((principle_id, alpha.value, reviewers.get(principle_id, 0), alpha.use_cases))
    overall = nominal_alpha(table[:, 2:])
    figures.append((None, overall.value, all_reviewers, len(np.unique(table[:, 0]))))
    rows = [
        MatrixAgreement(
            matrix_id=header["pk"],
            principle_id=principle_id,
            alpha=alpha,
            reviewers=count,
            use_cases=use_cases,
            computed_at=now,
        )
        for principle_id, alpha, count, use_cases in figures
    ]
    with transaction.atomic():
        # Updating the header locks it, so two refreshes of one round take turns and neither sees
        # the other's half-written rows; the one that measured older cells than what is stored
        # (it read the generation earlier) updates nothing and writes nothing.
        not_newer = Q(agreement_generation__isnull=True) | Q(agreement_generation__lte=header["generation"])
        if not Matrix.objects.filter(not_newer, pk=header["pk"]).update(
            agreement_generation=header["generation"], agreement_measured_at=started_at
        ):
            return None
        MatrixAgreement.objects.filter(matrix_id=header["pk"]).delete()
        # The foreign keys were just read from this round; the figures and their checks are validated.
        for row in rows:
            row.full_clean(exclude=["matrix", "principle"], validate_unique=False)
        MatrixAgreement.objects.bulk_create(rows)
    logger.info(
        "Agreement of round %s refreshed (generation %s): alpha %s over %s cells.",
        round_id,
        header["generation"],
        overall.value,
        len(table),
    )
    return rows
