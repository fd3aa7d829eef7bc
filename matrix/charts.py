"""Server-drawn SVG charts for the analysts' charts page: the geometry of stacked bars, worked
out here so that the template (templates/matrix/_bar_chart.html) only places what it is given.

A chart is a legend and one labelled bar per row; each bar is segments in a fixed order, filled
with a pattern per kind (templates/matrix/_chart_patterns.html) so that no kind is told apart by
colour alone, and every bar's label says its numbers in words. Coordinates are in the SVG's own
units: the drawing scales to the width of the page (down to 320 pixels) without any script, and
never beyond .portal-chart's max-width (static/scss/portal.scss). The text is FONT_SIZE units, which
is at least 16 pixels at 320 pixels (290 pixels for the drawing), and labels are never shortened:
a bar's label (the use case's whole title, then its numbers in words) wraps onto as many lines as
it needs.
"""

import textwrap
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrix.wording import being_updated_counts_in_words, counts_in_words

WIDTH = 400
MARGIN = 1  # room for the outlines at the edges
# Drawn 290 pixels wide on a 320-pixel screen: 23 units are 16.6 pixels there.
FONT_SIZE = 23
LINE_HEIGHT = 28  # a line of text
SWATCH = 20  # a legend's square
BAR_HEIGHT = 24
ROW_GAP = 16
# Characters of the chart's text on one line (an average character is about 12 units wide at
# FONT_SIZE): a label wraps between words, and a word longer than a line is broken.
LINE_CHARACTERS = 30

# The kinds of segment, in drawing order, with the words of the legend.
VERDICT_KINDS = (
    ("meets", gettext_lazy("Meets")),
    ("does_not_meet", gettext_lazy("Does not meet")),
    ("not_sure", gettext_lazy("Not sure")),
)
PROGRESS_KINDS = (("submitted", gettext_lazy("Submitted")), ("outstanding", gettext_lazy("Not submitted yet")))


@dataclass(frozen=True)
class Segment:
    kind: str
    x: float
    width: float


@dataclass(frozen=True)
class LabelLine:
    text: str
    y: int


@dataclass(frozen=True)
class Bar:
    label: str  # whole, as the lines say it
    lines: tuple[LabelLine, ...]
    bar_y: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class LegendItem:
    kind: str
    label: str
    swatch_y: int
    text_y: int


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: names the title and description
    title: str
    description: str
    width: int
    height: int
    legend: tuple[LegendItem, ...]
    bars: tuple[Bar, ...]
    bar_height: int = BAR_HEIGHT
    font_size: int = FONT_SIZE
    swatch: int = SWATCH
    text_x: int = MARGIN + SWATCH + 8


def bar_label(name: str, words: str) -> str:
    """ "Name: numbers in words", whole: never shortened, so that no two labels look alike."""
    return f"{name}: {words}"


def label_lines(label: str) -> list[str]:
    """A bar's label as the lines it is drawn on, between words where it can."""
    return textwrap.wrap(label, LINE_CHARACTERS, break_on_hyphens=False) or [""]


def stacked_bar_chart(
    *, chart_id: str, title: str, description: str, kinds, rows: list[tuple[str, tuple[int, ...]]], scale: int
) -> Chart:
    """rows: (label from bar_label, counts in the order of kinds). Every bar is drawn against the
    same scale (the largest total the reader compares), so bars of different rows compare."""
    scale = max(scale, 1)
    # The legend: one kind a line, so that it fits the narrowest screen at the text's size.
    legend = [
        LegendItem(
            kind=kind,
            label=str(label),
            swatch_y=index * LINE_HEIGHT + (LINE_HEIGHT - SWATCH) // 2,
            text_y=index * LINE_HEIGHT + LINE_HEIGHT - 7,
        )
        for index, (kind, label) in enumerate(kinds)
    ]
    top = len(kinds) * LINE_HEIGHT + ROW_GAP
    bars = []
    for label, counts in rows:
        lines = label_lines(label)
        x = float(MARGIN)
        segments = []
        for (kind, _label), count in zip(kinds, counts, strict=True):
            width = WIDTH * count / scale
            if count:
                segments.append(Segment(kind=kind, x=round(x, 2), width=round(width, 2)))
            x += width
        bar_y = top + len(lines) * LINE_HEIGHT
        bars.append(
            Bar(
                label=label,
                lines=tuple(LabelLine(text=line, y=top + (n + 1) * LINE_HEIGHT - 7) for n, line in enumerate(lines)),
                bar_y=bar_y,
                segments=tuple(segments),
            )
        )
        top = bar_y + BAR_HEIGHT + ROW_GAP
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        width=WIDTH + 2 * MARGIN,
        height=top,
        legend=tuple(legend),
        bars=tuple(bars),
    )


def progress_in_words(submitted: int, expected: int) -> str:
    """Reviews submitted out of those expected; never "3 of 0": a round that expects none yet (or
    fewer than were submitted, as after an assignment was removed) says so."""
    numbers = {"submitted": submitted, "expected": expected}
    if expected == 0:
        return _("%(submitted)d submitted, none expected yet") % numbers
    if submitted > expected:
        return _("%(submitted)d submitted, more than the %(expected)d expected") % numbers
    return _("%(submitted)d of %(expected)d submitted") % numbers


@dataclass(frozen=True)
class PrincipleChart:
    principle: object  # principles.models.Principle
    chart: Chart
    rows: tuple  # (ChartUseCase, Cell) pairs, for the table beside the chart


def chart_counts_in_words(cell, *, updating: bool) -> str:
    """A bar's numbers in words, said to be not current when the use case is being updated."""
    words = counts_in_words(cell.meets, cell.does_not_meet, cell.not_sure)
    return being_updated_counts_in_words(words) if updating else words


def principle_charts(data) -> list[PrincipleChart]:
    """Per principle, a bar per use case on the page (matrix.selectors.round_charts): how many
    reviewers said meets, does not meet and not sure, all against the page's largest number of reviews."""
    scale = max((cell.total for use_case in data.use_cases for cell in use_case.cells), default=0)
    charts = []
    for index, principle in enumerate(data.principles):
        rows = [(use_case, use_case.cells[index]) for use_case in data.use_cases]
        chart = stacked_bar_chart(
            chart_id=f"chart-{principle.slug}",
            title=_("%(principle)s: verdicts by use case") % {"principle": principle.name},
            description=_(
                "A stacked bar for each of %(count)d use cases: how many reviewers said it meets the principle, "
                "does not meet it, or were not sure. Each bar's label gives the numbers, and so does the table "
                "after the chart."
            )
            % {"count": len(rows)},
            kinds=VERDICT_KINDS,
            rows=[
                (
                    bar_label(
                        _("%(title)s (v%(number)d)") % {"title": use_case.title, "number": use_case.number},
                        chart_counts_in_words(cell, updating=use_case.is_updating),
                    ),
                    (cell.meets, cell.does_not_meet, cell.not_sure),
                )
                for use_case, cell in rows
            ],
            scale=scale,
        )
        charts.append(PrincipleChart(principle=principle, chart=chart, rows=tuple(rows)))
    return charts


def progress_chart(data) -> Chart:
    """One bar for the whole round (matrix.selectors.round_charts): reviews submitted, and those
    still expected. Not one per organisation: see docs/analysts.md, "Charts"."""
    progress = data.progress
    return stacked_bar_chart(
        chart_id="chart-progress",
        title=_("Reviews submitted in the round"),
        description=_(
            "One bar for the whole round: reviews submitted and reviews expected but not submitted yet. The bar's "
            "label gives the numbers, and so does the table after the chart."
        ),
        kinds=PROGRESS_KINDS,
        rows=[
            (
                bar_label(_("The whole round"), progress_in_words(progress.submitted, progress.expected)),
                (progress.submitted, max(progress.expected - progress.submitted, 0)),
            )
        ],
        scale=max(progress.expected, progress.submitted),
    )
