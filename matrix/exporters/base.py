"""What every export format shares: the Exporter interface, the matrix as the report lays it out
(for the XLSX and PDF), and the words of its cells."""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import rules
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matrix.disclosure import is_published
from matrix.selectors.cells import COUNT_KEYS, round_principles
from matrix.selectors.exports import (
    MatrixExportView,
    audience_names,
    matrix_document,
)
from matrix.wording import (
    FLAG_SYMBOL,
    FRAGILE_SYMBOL,
    INTEREST_SYMBOL,
    OUTCOME_SYMBOLS,
    fragility_in_words,
    outcome_words,
)
from principles.rule import TICK
from reviews.models import ReviewRound


def _local(moment: datetime.datetime | str | None) -> str:
    if moment is None:
        return _("not computed yet")
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    return timezone.localtime(moment).strftime("%d %B %Y, %H:%M %Z")


@dataclass(frozen=True)
class Exporter:
    identifier: str  # in URLs and the command's --format
    verbose_name: str  # on the matrix page
    extension: str
    content_type: str
    permission: str = "matrix.view_matrix"
    binary: bool = False  # not printable: the command needs --output
    file_label: str = "matrix"  # bold-<file_label>-<round>-<time>.<extension>
    description: str = ""  # what the file holds, on the page that starts an export
    # Whether the format can hold a view of the matrix page ("these N use cases"), not only the
    # whole round.
    filterable: bool = True
    # Sent to the person as it is written (a streamed download), never made by the worker nor
    # kept in the portal: files too large to keep in the database, such as every verdict of a round.
    streamed: bool = False

    def may_use(self, user) -> bool:
        return rules.has_perm(self.permission, user)

    def use_case_limit(self) -> int | None:
        """The most use cases one file of this format may hold (the export page says so), or None."""
        return None

    # A format overrides render (the whole file) or chunks (the file in pieces); each defaults
    # to the other. view: the matrix page's view the file holds (None: the whole round).
    def render(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> bytes:
        return b"".join(self.chunks(review_round, view))

    def chunks(self, review_round: ReviewRound, view: MatrixExportView | None = None) -> Iterator[bytes]:
        """The file in pieces, for writers that stream; by default the whole file at once."""
        yield self.render(review_round, view)


@dataclass(frozen=True)
class MatrixLayout:
    """The matrix as the report lays it out: audience groups of use cases, principles across."""

    document: dict
    principle_names: list[str]
    groups: list[dict]  # {"audience": name, "rows": [{"title", "version", "cells": [...], "met"}]}
    principle_totals: list[int]  # per principle, how many use cases meet it
    # Whether marks and flags about groups of reviewers are published (the round has closed).
    groups_published: bool


def matrix_layout(review_round: ReviewRound, view: MatrixExportView | None = None) -> MatrixLayout:
    """The layout of the round's matrix (or of the view's use cases, in its order: sorted, an
    audience heading comes again wherever the next row is from another audience)."""
    document = matrix_document(review_round, view)
    principles = round_principles(review_round)
    names = audience_names(row["audience"] for row in document["rows"])
    groups: list[dict] = []
    totals = [0] * len(principles)
    # Words looked up once per outcome and per fragility, not once per cell: a translation lookup
    # costs more than the rest of a cell.
    words = {outcome: outcome_words(outcome) for outcome in OUTCOME_SYMBOLS}
    fragility: dict[tuple, str] = {}
    # A layout cell made once per document cell (shared among equal cells), principle and marks,
    # and shared in turn, read-only, by every row it fits.
    made: dict[tuple, dict] = {}
    for row in document["rows"]:
        if not groups or groups[-1]["slug"] != row["audience"]:
            groups.append(
                {"slug": row["audience"], "audience": names.get(row["audience"], row["audience"]), "rows": []}
            )
        cells = []
        declared_interest = bool(row["declared_interest"])
        flagged = row["flagged"] or ()
        for index, principle in enumerate(principles):
            cell = row["cells"][principle.slug]
            totals[index] += cell["outcome"] == TICK
            key = (id(cell), index, declared_interest, principle.slug in flagged)
            layout_cell = made.get(key)
            if layout_cell is None:
                would_become = tuple(cell["would_become"])
                if cell["fragile"] and would_become not in fragility:
                    fragility[would_become] = fragility_in_words(cell["would_become"])
                layout_cell = made[key] = {
                    **cell,
                    "principle": principle.name,
                    "symbol": OUTCOME_SYMBOLS[cell["outcome"]],
                    "words": words[cell["outcome"]],
                    "fragility": fragility[would_become] if cell["fragile"] else "",
                    "declared_interest": declared_interest,
                    "flagged": key[3],
                }
            cells.append(layout_cell)
        groups[-1]["rows"].append(
            {
                "title": row["title"],
                "use_case": row["use_case"],
                "version": row["version"],
                "cells": cells,
                "met": sum(cell["outcome"] == TICK for cell in cells),
                "decision": (row.get("decision") or {}).get("decision_in_words", ""),
            }
        )
    return MatrixLayout(
        document=document,
        principle_names=[principle.name for principle in principles],
        groups=groups,
        principle_totals=totals,
        groups_published=is_published(review_round),
    )


def _view_in_words(document: dict) -> str:
    """Which use cases the file holds, for its About sheet or heading."""
    view = document.get("view")
    if not view:
        return _("The whole round (%(count)d use cases).") % {"count": len(document["rows"])}
    return _("These %(count)d use cases of the matrix page: %(view)s") % {
        "count": view["use_cases"],
        "view": view["description"],
    }


def cell_text(cell: dict) -> str:
    """A matrix cell as the XLSX Matrix sheet shows it: "✓ Meets (4 / 1 / 0)", then, for a fragile
    cell, "; ⚠ Fragile: would become a cross if one reviewer changed their mind"."""
    counts = " / ".join(str(cell[key]) for key in COUNT_KEYS)
    words = cell.get("words") or outcome_words(cell["outcome"])
    text = f"{OUTCOME_SYMBOLS[cell['outcome']]} {words} ({counts})"
    if cell["fragility"]:
        text += f"; {FRAGILE_SYMBOL} {_('Fragile')}: {cell['fragility']}"
    if cell.get("declared_interest"):
        text += f"; {INTEREST_SYMBOL} {_('Declared interest')}"
    if cell.get("flagged"):
        text += f"; {FLAG_SYMBOL} {_('Flagged for discussion')}"
    if cell.get("carried"):
        text += "; ↻ " + ngettext("%(count)d carried forward", "%(count)d carried forward", cell["carried"]) % {
            "count": cell["carried"]
        }
    return text
