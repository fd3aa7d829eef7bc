"""Server-drawn SVG charts for the analysts' charts page: the geometry of stacked bars, worked
out here so that the template (templates/matrix/_bar_chart.html) only places what it is given.

A chart is a legend and one labelled bar per row; each bar is segments in a fixed order, filled
with a pattern per kind (templates/matrix/_chart_patterns.html) so that no kind is told apart by
colour alone, and every bar's label says its numbers in words. Coordinates are in the SVG's own
units: the drawing scales to the width of the page (down to 320 pixels) without any script.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrix.wording import counts_in_words

WIDTH = 400
MARGIN = 1  # room for the outlines at the edges
LEGEND_HEIGHT = 34
LABEL_HEIGHT = 20  # a line of text above each bar
BAR_HEIGHT = 18
ROW_GAP = 12
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
# A bar's label (its name, then its numbers in words) fits this many characters of the chart's
# text on one line: a longer name is shortened with an ellipsis (the table after the chart has it whole).
LABEL_CHARACTERS = 56

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
class Bar:
    label: str
    label_y: int
    bar_y: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class LegendItem:
    kind: str
    label: str
    swatch_x: int
    text_x: int


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


def bar_label(name: str, words: str) -> str:
    """ "Name: numbers in words", the name shortened so that the whole fits one line."""
    room = max(LABEL_CHARACTERS - len(words) - 2, 12)
    if len(name) > room:
        name = name[: room - 1].rstrip() + "…"
    return f"{name}: {words}"


def stacked_bar_chart(
    *, chart_id: str, title: str, description: str, kinds, rows: list[tuple[str, tuple[int, ...]]], scale: int
) -> Chart:
    """rows: (label from bar_label, counts in the order of kinds). Every bar is drawn against the
    same scale (the largest total the reader compares), so bars of different rows compare."""
    scale = max(scale, 1)
    legend_x = MARGIN
    legend = []
    for kind, label in kinds:
        legend.append(LegendItem(kind=kind, label=str(label), swatch_x=legend_x, text_x=legend_x + 22))
        # Room for the swatch, the words and a gap (an average character is about 7 units wide).
        legend_x += 24 + 7 * len(str(label)) + 16
    bars = []
    for index, (label, counts) in enumerate(rows):
        top = LEGEND_HEIGHT + index * ROW_HEIGHT
        x = float(MARGIN)
        segments = []
        for (kind, _label), count in zip(kinds, counts, strict=True):
            width = WIDTH * count / scale
            if count:
                segments.append(Segment(kind=kind, x=round(x, 2), width=round(width, 2)))
            x += width
        bars.append(
            Bar(
                label=label,
                label_y=top + LABEL_HEIGHT - 6,
                bar_y=top + LABEL_HEIGHT,
                segments=tuple(segments),
            )
        )
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        width=WIDTH + 2 * MARGIN,
        height=LEGEND_HEIGHT + len(rows) * ROW_HEIGHT,
        legend=tuple(legend),
        bars=tuple(bars),
    )


def progress_in_words(submitted: int, expected: int) -> str:
    return _("%(submitted)d of %(expected)d submitted") % {"submitted": submitted, "expected": expected}


@dataclass(frozen=True)
class PrincipleChart:
    principle: object  # principles.models.Principle
    chart: Chart
    rows: tuple  # (ChartUseCase, Cell) pairs, for the table beside the chart


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
                        counts_in_words(cell.meets, cell.does_not_meet, cell.not_sure),
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
