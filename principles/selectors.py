"""Read queries for the principle matrix, shared by pages, exports and the snapshot task."""

from decimal import Decimal

from django.db.models import Count, F, Q

from principles.models import MatrixSnapshot
from usecases.models import Review, ReviewRound, Verdict

TICK = "tick"
CROSS = "cross"
INSUFFICIENT = "insufficient"

# The export shape's key order. round_matrix builds it in this order; PostgreSQL's jsonb does not
# keep key order, so a snapshot read back is put in order again by matrix_document.
MATRIX_KEYS = ("round", "name", "computed_at", "threshold", "min_reviews", "principles", "rows")
ROW_KEYS = ("audience", "use_case", "title", "version", "cells")
COUNT_KEYS = ("meets", "does_not_meet", "not_sure")


def cell_outcome(*, meets: int, does_not_meet: int, not_sure: int, threshold: Decimal, min_reviews: int) -> str:
    """The matrix rule: not enough reviews, else a tick when meets beats the threshold share."""
    decided = meets + does_not_meet
    if decided + not_sure < min_reviews or decided == 0:
        return INSUFFICIENT
    # Decimal keeps 0.5 x 4 == 2 exact, so a tie is always a cross.
    return TICK if Decimal(meets) > Decimal(threshold) * decided else CROSS


def round_verdict_counts(review_round: ReviewRound) -> dict[tuple[int, int], dict[str, int]]:
    """Submitted verdict counts per (version id, principle id), grouped in one SQL query."""
    rows = (
        Verdict.objects.filter(review__round=review_round, review__status=Review.Status.SUBMITTED)
        .values("review__version_id", "principle_id")
        .annotate(
            meets=Count("pk", filter=Q(verdict=Verdict.Choice.MEETS)),
            does_not_meet=Count("pk", filter=Q(verdict=Verdict.Choice.DOES_NOT_MEET)),
            not_sure=Count("pk", filter=Q(verdict=Verdict.Choice.NOT_SURE)),
        )
        .order_by()
    )
    return {
        (row["review__version_id"], row["principle_id"]): {
            "meets": row["meets"],
            "does_not_meet": row["does_not_meet"],
            "not_sure": row["not_sure"],
        }
        for row in rows
    }


def round_versions(review_round: ReviewRound):
    """The round's versions in matrix order: audience display order, then use-case order."""
    return review_round.versions.select_related("use_case__audience").order_by(
        "use_case__audience__display_order", "use_case__audience__name", "use_case__display_order", "use_case__slug"
    )


def round_matrix(review_round: ReviewRound, *, computed_at) -> dict:
    """The round's matrix in the export shape. Three queries, whatever the number of use cases."""
    principles = list(review_round.principles.order_by("order", "name"))
    counts = round_verdict_counts(review_round)
    empty = dict.fromkeys(COUNT_KEYS, 0)
    rows = []
    for version in round_versions(review_round):
        cells = {}
        for principle in principles:
            cell = counts.get((version.pk, principle.pk), empty)
            outcome = cell_outcome(**cell, threshold=review_round.threshold, min_reviews=review_round.min_reviews)
            cells[principle.slug] = {"outcome": outcome, **cell}
        rows.append(
            {
                "audience": version.use_case.audience.slug,
                "use_case": version.use_case.slug,
                "title": version.title,
                "version": version.number,
                "cells": cells,
            }
        )
    return {
        "round": review_round.slug,
        "name": review_round.name,
        "computed_at": computed_at.isoformat(),
        "threshold": float(review_round.threshold),
        "min_reviews": review_round.min_reviews,
        "principles": [p.slug for p in principles],
        "rows": rows,
    }


def stale_rounds():
    """Rounds with no matrix snapshot, or one older than their newest review change."""
    return ReviewRound.objects.filter(
        Q(matrix_snapshot__isnull=True) | Q(matrix_snapshot__source_changed_at__lt=F("last_changed_at"))
    )


def snapshot_for(review_round: ReviewRound) -> MatrixSnapshot | None:
    return MatrixSnapshot.objects.filter(round=review_round).select_related("round").first()


def matrix_document(data: dict) -> dict:
    """A stored matrix in the export shape's key order, cells in the round's principle order."""
    principles = data["principles"]
    rows = [
        {
            **{key: row[key] for key in ROW_KEYS[:-1]},
            "cells": {
                slug: {"outcome": row["cells"][slug]["outcome"], **{key: row["cells"][slug][key] for key in COUNT_KEYS}}
                for slug in principles
            },
        }
        for row in data["rows"]
    ]
    return {**{key: data[key] for key in MATRIX_KEYS[:-1]}, "rows": rows}


def matrix_table(data: dict) -> tuple[list[str], list[list]]:
    """A stored matrix as a flat table for the CSV export: one row per use case;
    per principle its outcome column (named by the principle's slug) and its three counts."""
    principles = data["principles"]
    header = list(ROW_KEYS[:-1])
    for slug in principles:
        header += [slug, *(f"{slug}_{key}" for key in COUNT_KEYS)]
    rows = []
    for row in data["rows"]:
        values = [row[key] for key in ROW_KEYS[:-1]]
        for slug in principles:
            cell = row["cells"][slug]
            values += [cell["outcome"], *(cell[key] for key in COUNT_KEYS)]
        rows.append(values)
    return header, rows


def round_slugs() -> list[str]:
    """Every round's slug, alphabetically, for pointing people at the right one."""
    return list(ReviewRound.objects.order_by("slug").values_list("slug", flat=True))
