"""What the exports read: the round's matrix in the export shape (docs/commands.md) and as a flat
table, the submitted verdicts pseudonymised, and an analyst's export and its file."""

from dataclasses import dataclass

import rules

from audiences.models import Audience
from bold_portal.spreadsheet import neutralise
from matrix.models import MatrixExport
from matrix.selectors.agreement import agreement_document, round_agreement
from matrix.selectors.cells import (
    COUNT_KEYS,
    EMPTY_CELL,
    Cell,
    matrix_state,
    round_cells,
    round_principles,
    round_version_rows,
)
from matrix.selectors.marks import round_marks
from reviews.models import Review, ReviewRound, RoundVersion, Verdict
from reviews.selectors.decisions import decision_record, round_decisions
from reviews.selectors.reviews import review_pseudonyms

# The export shape's key order (docs/commands.md): later fields only ever go at the end.
MATRIX_KEYS = ("round", "name", "computed_at", "threshold", "min_reviews", "principles", "rows", "agreement")
ROW_KEYS = ("audience", "use_case", "title", "version", "cells")
# Added after the counts (a cell's keys, and per principle at the end of the CSV's columns).
FRAGILITY_KEYS = ("fragile", "would_become")
# The flat table's last columns, the same on every row: where the figures come from.
ROUND_COLUMNS = ("round", "threshold", "min_reviews", "computed_at")


@dataclass(frozen=True)
class MatrixExportView:
    """A view of the matrix page that an export holds instead of the whole round: the page's
    validated filter query, the view in words, and its versions' ids in the page's order."""

    query: str
    description: str
    version_ids: tuple[int, ...]


def _document_cell(cell: Cell, rule: dict, known: dict) -> dict:
    """The cell in the export shape; known: the shapes made so far in this document, by cell (a
    round of thousands of use cases has few distinct cells, and round_cells shares one Cell among
    equal cells, so they are known by identity, without hashing). Equal cells share one dict, which
    readers must not change (the exports only read it): copying it for every cell cost a tenth of
    a CSV's time. "carried", added last: how many of the counted verdicts were carried forward unchanged
    from the reviewer's verdict on an earlier version."""
    shape = known.get(id(cell))
    if shape is None:
        shape = known[id(cell)] = {**cell.as_dict(), **cell.fragility_dict(**rule), "carried": cell.carried}
    return shape


def matrix_document(review_round: ReviewRound, view: MatrixExportView | None = None) -> dict:
    """The round's matrix in the export shape (docs/commands.md), from the stored rows; with a
    view, only the view's use cases, in its order, and a "view" saying which it is. Exports
    are shared files, so their declared-interest marks and flags follow the analysts' rule
    (matrix.disclosure): null until the round has closed. Seven queries whatever the number of use
    cases (principles, cells, the matrix state's two, versions, decisions, agreement; and their
    conditions, once there are decisions), and once the round has
    closed three more (the groups of reviewers, the flag audiences' organisations and the declared interests)."""
    principles = round_principles(review_round)
    cells = round_cells(review_round)
    state = matrix_state(review_round)
    computed_at = state.computed_at
    rule = {"threshold": review_round.threshold, "min_reviews": review_round.min_reviews}
    marks = round_marks(review_round, principle_ids=[p.pk for p in principles])
    known: dict[int, dict] = {}
    principle_keys = [(p.slug, p.pk) for p in principles]
    version_rows = list(round_version_rows(review_round))
    decisions = round_decisions(review_round)
    if view is not None:
        by_id = {row["version_id"]: row for row in version_rows}
        version_rows = [by_id[version_id] for version_id in view.version_ids if version_id in by_id]
    rows = [
        {
            "audience": row["version__use_case__audience__slug"],
            "use_case": row["version__use_case__slug"],
            "title": row["version__title"],
            "version": row["version__number"],
            "cells": {
                slug: _document_cell(cells.get((row["version_id"], pk), EMPTY_CELL), rule, known)
                for slug, pk in principle_keys
            },
            # Added last: whether a review from an organisation that declared an interest counts here.
            # Exports are shared files, so they never name the organisation.
            "declared_interest": (marks.interest(row["version_id"]) is not None) if marks.published else None,
            # Added last: the principles (slugs) whose cell the round's flag rule flags for
            # discussion. Like declared interests, exports never name the audience.
            "flagged": [p.slug for p in principles if marks.flag(row["version_id"], p.pk)] if marks.published else None,
            # Added last: the programme's decision after the round (None before one is recorded).
            "decision": decision_record(decisions[row["version_id"]]) if row["version_id"] in decisions else None,
        }
        for row in version_rows
    ]
    return {
        "round": review_round.slug,
        "name": review_round.name,
        "computed_at": computed_at.isoformat() if computed_at else None,
        "threshold": float(review_round.threshold),
        "min_reviews": review_round.min_reviews,
        "principles": [p.slug for p in principles],
        "rows": rows,
        "agreement": agreement_document(round_agreement(review_round, state=state)),
        # Added last: the matrix page's view the file holds (None: the whole round). Agreement
        # is always the whole round's.
        "view": None
        if view is None
        else {"query": view.query, "description": view.description, "use_cases": len(rows)},
    }


def matrix_table(
    document: dict, *, text_booleans: bool = True, neutralised: bool = False
) -> tuple[list[str], list[list]]:
    """A matrix document as a flat table for the CSV export: one row per use case; per principle
    its outcome column (named by the principle's slug) and its three counts; then, after every
    principle's, each principle's fragility ("true"/"false") and what it would become ("cross",
    "tick|insufficient", or empty); then declared_interest ("true"/"false") and flagged (the
    flagged principles' slugs joined by "|", or empty); then, on every row, the round's slug, its
    rule (threshold and min_reviews) and when the matrix was computed, so that a file read
    alone says where its figures come from. text_booleans=False (for XLSX) gives the yes-or-no
    columns as True and False, not "true" and "false". neutralised: every text value made inert
    for a spreadsheet (bold_portal.spreadsheet.neutralise), as the CSV writes it."""

    def yes_no(value: bool):
        return ("true" if value else "false") if text_booleans else bool(value)

    safe = neutralise if neutralised else _as_it_is
    principles = document["principles"]
    header = list(ROW_KEYS[:-1])
    for slug in principles:
        header += [slug, *(f"{slug}_{key}" for key in COUNT_KEYS)]
    for slug in principles:
        header += [f"{slug}_{key}" for key in FRAGILITY_KEYS]
    header += ["declared_interest", "flagged", *ROUND_COLUMNS]
    about_round = [document[key] if document[key] is not None else "" for key in ROUND_COLUMNS]
    if document.get("view"):
        # An export of a view of the matrix page, not the whole round: which view, in words.
        header.append("view")
        about_round.append(document["view"]["description"])
    about_round = [safe(value) for value in about_round]
    # A cell's columns, made once per cell dict: a document shares one dict among equal cells.
    columns: dict[int, tuple[list, list]] = {}
    unpublished = ["", ""] if text_booleans else [None, None]
    rows = []
    for row in document["rows"]:
        values = [safe(row[key]) for key in ROW_KEYS[:-1]]
        fragility = []
        for slug in principles:
            cell = row["cells"][slug]
            made = columns.get(id(cell))
            if made is None:
                made = columns[id(cell)] = (
                    [safe(cell["outcome"]), *(safe(cell[key]) for key in COUNT_KEYS)],
                    [yes_no(cell["fragile"]), safe("|".join(cell["would_become"]))],
                )
            values += made[0]
            fragility += made[1]
        values += fragility
        if row["declared_interest"] is None:  # not published until the round has closed
            values += unpublished
        else:
            values += [yes_no(row["declared_interest"]), safe("|".join(row["flagged"]))]
        rows.append([*values, *about_round, *(safe(value) for value in _decision_columns(row.get("decision")))])
    header += DECISION_COLUMNS
    return [safe(name) for name in header], rows


def _as_it_is(value):
    return value


# After every other column: the programme's decision and its conditions, each condition
# "principle: text (met in version n | not met)", joined by " | ".
DECISION_COLUMNS = ["decision", "decision_reasons", "decision_conditions"]


def _decision_columns(decision: dict | None) -> list[str]:
    if decision is None:
        return ["", "", ""]
    conditions = [
        f"{item['principle']}: {item['condition']} "
        + (f"(met in version {item['met_in_version']})" if item["met"] else "(not met)")
        for item in decision["conditions"]
    ]
    return [decision["decision"], decision["reasons"], " | ".join(conditions)]


# The verdicts export's columns (docs/commands.md), in order: later fields only ever go at the end.
VERDICT_KEYS = (
    "round",
    "audience",
    "use_case",
    "title",
    "version",
    "principle",
    "reviewer",
    "verdict",
    "reason",
    "evidence",
    "suggested_rewording",
    # Added last: for a verdict carried forward unchanged from the reviewer's verdict on an earlier
    # version, that version's number and its round's slug; empty otherwise.
    "carried_from_version",
    "carried_from_round",
)


def _submitted_verdicts(review_round: ReviewRound, version_ids=None):
    verdicts = Verdict.objects.filter(review__round=review_round, review__status=Review.Status.SUBMITTED).exclude(
        verdict=""
    )
    if version_ids is not None:
        verdicts = verdicts.filter(review__version_id__in=version_ids)
    return verdicts


def round_verdict_count(review_round: ReviewRound, *, version_ids=None) -> int:
    """How many submitted verdicts the round has (of these versions only, if given): one query."""
    return _submitted_verdicts(review_round, version_ids).count()


def round_verdict_values(review_round: ReviewRound, *, chunk_size: int = 5000, version_ids=None):
    """Every submitted verdict of the round (of these versions only, if given), in matrix order
    (audience, use case, version), then principle order, then review, as tuples of VERDICT_KEYS'
    values; reviewers pseudonymised within each use case version, as on the cell pages. Read from
    the database in chunks (a server-side cursor on PostgreSQL), so memory stays flat whatever the
    round's size: two queries (pseudonyms, then the verdicts, fetched chunk by chunk)."""
    pseudonyms = review_pseudonyms(review_round)
    rows = (
        _submitted_verdicts(review_round, version_ids)
        .order_by(
            "review__version__use_case__audience__display_order",
            "review__version__use_case__audience__name",
            "review__version__use_case__display_order",
            "review__version__use_case__slug",
            "review__version__number",
            "principle__order",
            "principle__name",
            "review_id",
        )
        .values_list(
            "review__version__use_case__audience__slug",
            "review__version__use_case__slug",
            "review__version__title",
            "review__version__number",
            "principle__slug",
            "review_id",
            "verdict",
            "reason",
            "evidence",
            "suggested_rewording",
            "carried_from__review__version__number",
            "carried_from__review__round__slug",
        )
    )
    round_slug = review_round.slug
    reviewer = {number: f"Reviewer {number}" for number in set(pseudonyms.values())}
    for (
        audience,
        use_case,
        title,
        number,
        principle,
        review_id,
        verdict,
        reason,
        evidence,
        rewording,
        carried_version,
        carried_round,
    ) in rows.iterator(chunk_size=chunk_size):
        yield (
            round_slug,
            audience,
            use_case,
            title,
            number,
            principle,
            reviewer[pseudonyms[review_id]],
            verdict,
            reason,
            evidence,
            rewording,
            carried_version if carried_version is not None else "",
            carried_round or "",
        )


def round_verdict_rows(review_round: ReviewRound, *, chunk_size: int = 5000, version_ids=None):
    """round_verdict_values as dicts with VERDICT_KEYS."""
    for values in round_verdict_values(review_round, chunk_size=chunk_size, version_ids=version_ids):
        yield dict(zip(VERDICT_KEYS, values, strict=True))


def round_version_count(review_round: ReviewRound) -> int:
    """How many use case versions the round holds: one query."""
    return RoundVersion.objects.filter(round=review_round).count()


def audience_names(slugs) -> dict[str, str]:
    """Audience names by slug, for exports that show the report's group headings. One query."""
    return dict(Audience.objects.filter(slug__in=set(slugs)).values_list("slug", "name"))


def matrix_export_for(*, user, round_slug: str, export_id: int):
    """The export, without its file, if this person may see it (whoever requested it, while they
    may still see the matrix, and programme admins); otherwise None. One query, plus the
    permission's group lookups."""
    export = (
        MatrixExport.objects.select_related("round")
        .defer("content")
        .filter(pk=export_id, round__slug=round_slug)
        .first()
    )
    if export is None or not rules.has_perm("matrix.view_export", user, export):
        return None
    return export


def matrix_export_content(export) -> bytes:
    """The export's file, read only when it is downloaded."""
    content = MatrixExport.objects.filter(pk=export.pk).values_list("content", flat=True).first()
    return bytes(content or b"")
