"""Every count an analyst can read about a round's groups of reviewers, as the attacker's figures
(tests.matrix.disclosure_attacker), read three ways:

- everything_shown: from the rendered pages and the API's answers over HTTP: every cell's page (its
  organisation breakdown and flag) and its API answer (its counts and the breakdown), the matrix by
  every reviewing audience (its counts and flags), the matrix page (its flags) and the charts page
  (progress by organisation, if shown);
- everything_read: from the objects those pages render and the API's answers (the selectors and
  matrix.api.views.cell_answer), with a little more than the pages print (an audience's number of
  reviewers, the round's progress);
- everything_decided: from what matrix.disclosure decides and the stored totals, every figure any
  of them may show, read in a few queries: fast enough for the property test.
  tests/matrix/test_disclosure.py shows that the first is within it and the second equal to it.

"Other organisations" is read as every organisation of the round that is not named beside it, and a
flag naming audiences as at least one "does not meet" from each audience's organisations (the rule
names an audience only where that holds)."""

import re
from dataclasses import dataclass

from django.urls import reverse

from audiences.models import Audience
from matrix import disclosure
from matrix.api.views import cell_answer
from matrix.selectors.audience_view import audience_view
from matrix.selectors.cell_detail import cell_detail
from matrix.selectors.cells import EMPTY_CELL, round_cells
from matrix.selectors.charts import round_charts
from matrix.selectors.exports import matrix_document
from matrix.selectors.matrix_page import MatrixFilters, matrix_filter_options, matrix_page
from matrix.selectors.rounds import round_summaries
from tests.matrix.disclosure_attacker import REVIEWS, Figure
from tests.pages import main_content

VERDICTS = ("meets", "does_not_meet", "not_sure")
COUNTS = re.compile(r"(\d+) meets?, (\d+) (?:does|do) not meet, (\d+) not sure")
FLAG = re.compile(r"an organisation serving (.+?) said does not meet")


@dataclass(frozen=True)
class RoundMap:
    """What the attacker knows about the round besides the figures: its organisations (by name),
    the audiences each serves (by name), its versions and principles."""

    review_round: object
    organisations: dict  # name -> id
    audiences: dict  # audience name -> frozenset of organisation ids serving it
    versions: list  # UseCaseVersion
    principles: list  # Principle

    @property
    def everyone(self) -> frozenset:
        return frozenset(self.organisations.values())


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _counts_figures(version_id, group, principle_id, counts: dict) -> list[Figure]:
    return [Figure(version_id, group, (principle_id, verdict), int(counts[verdict])) for verdict in VERDICTS]


def _flag_figures(world: RoundMap, version_id, principle_id, words: str) -> list[Figure]:
    names = [name for found in FLAG.findall(words) for name in found.split(" or ")]
    return _named_flags(world, version_id, principle_id, names)


def _named_flags(world: RoundMap, version_id, principle_id, names) -> list[Figure]:
    return [
        Figure(version_id, world.audiences[name], (principle_id, "does_not_meet"), 1, at_least=True) for name in names
    ]


def cell_figures(client, world: RoundMap, version, principle) -> list[Figure]:
    """The cell's API answer: its counts, and its organisation breakdown if it has one."""
    slug = world.review_round.slug
    body = client.get(reverse("api:cell", args=[slug, version.use_case.slug, version.number, principle.slug])).json()
    figures = _counts_figures(version.pk, world.everyone, principle.pk, body)
    return figures + _breakdown_figures(world, version.pk, principle.pk, body["organisations"] or [])


def cell_page_figures(client, world: RoundMap, version, principle) -> list[Figure]:
    """The cell page's organisation breakdown table."""
    url = reverse("matrix:cell", args=[world.review_round.slug, version.use_case.slug, version.number, principle.slug])
    page = main_content(client.get(url))
    rows = [text(row) for row in page.split("data-organisation-group>")[1:]]
    parsed = []
    for row in rows:
        match = re.match(r"(.+?) (\d+) (\d+) (\d+) (\d+)", row)
        parsed.append((match.group(1), *(int(n) for n in match.groups()[1:])))
    named = frozenset(world.organisations[name] for name, *_ in parsed if name in world.organisations)
    figures = []
    for name, reviewers, *counts in parsed:
        members = frozenset({world.organisations[name]}) if name in world.organisations else world.everyone - named
        figures += _counts_figures(version.pk, members, principle.pk, dict(zip(VERDICTS, counts, strict=True)))
        figures.append(Figure(version.pk, members, REVIEWS, reviewers))
    figures += _flag_figures(world, version.pk, principle.pk, page)
    return figures


def audience_figures(client, world: RoundMap, audience_slug: str, audience_name: str) -> list[Figure]:
    """The matrix by one reviewing audience: each shown cell's counts and each flag."""
    url = reverse("matrix:round_by_audience", args=[world.review_round.slug])
    page = main_content(client.get(url, {"audience": audience_slug}))
    group = world.audiences[audience_name]
    figures = []
    for version in world.versions:
        card = page.split(f'data-use-case="{version.use_case.slug}"')[1].split('govuk-summary-card"')[0]
        for principle in world.principles:
            row = card.split(f'data-principle="{principle.slug}"')[1].split("</dd>")[0]
            if match := COUNTS.search(text(row)):
                shown = dict(zip(VERDICTS, match.groups(), strict=True))
                figures += _counts_figures(version.pk, group, principle.pk, shown)
            figures += _flag_figures(world, version.pk, principle.pk, text(row))
    return figures


def charts_figures(client, world: RoundMap) -> list[Figure]:
    """Reviews submitted per organisation over the whole round, if the charts page shows them."""
    page = main_content(client.get(reverse("matrix:round_charts", args=[world.review_round.slug])))
    if "data-progress-table" not in page:
        return []
    table = page.split("data-progress-table")[1].split("</table>")[0]
    figures = []
    for row in table.split("<tr")[2:]:
        words = text("<tr" + row)
        match = re.match(r"(.+?) (\d+) (\d+)$", words)
        if match and match.group(1) in world.organisations:
            organisation = frozenset({world.organisations[match.group(1)]})
            figures.append(Figure(None, organisation, REVIEWS, int(match.group(2))))
    return figures


def matrix_page_figures(client, world: RoundMap) -> list[Figure]:
    """The matrix page's flags: each cell's link says why it is flagged."""
    page = main_content(client.get(reverse("matrix:round_matrix", args=[world.review_round.slug])))
    figures = []
    for version in world.versions:
        for principle in world.principles:
            url = reverse(
                "matrix:cell", args=[world.review_round.slug, version.use_case.slug, version.number, principle.slug]
            )
            for link in re.findall(rf'<a [^>]*href="{re.escape(url)}"[^>]*>(.*?)</a>', page, re.S):
                figures += _flag_figures(world, version.pk, principle.pk, text(link))
    return figures


def everything_shown(client, world: RoundMap, audience_slugs: dict) -> list[Figure]:
    """Every figure about groups of reviewers on every analyst page and API answer of the round.
    audience_slugs: audience name -> slug."""
    figures = matrix_page_figures(client, world) + charts_figures(client, world)
    for version in world.versions:
        for principle in world.principles:
            figures += cell_figures(client, world, version, principle)
            figures += cell_page_figures(client, world, version, principle)
    for name, slug in audience_slugs.items():
        figures += audience_figures(client, world, slug, name)
    return figures


def _breakdown_figures(world: RoundMap, version_id, principle_id, groups) -> list[Figure]:
    """A breakdown's rows, as the API gives them ("organisation") or as the module does ("name")."""
    groups = [{**group, "organisation": group.get("organisation", group.get("name"))} for group in groups]
    named = frozenset(world.organisations[g["organisation"]] for g in groups if g["organisation"])
    figures = []
    for group in groups:
        if group["organisation"]:
            members = frozenset({world.organisations[group["organisation"]]})
        else:
            members = world.everyone - named
        figures += _counts_figures(version_id, members, principle_id, group)
        figures.append(Figure(version_id, members, REVIEWS, group["reviewers"]))
    return figures


def everything_read(world: RoundMap, *, marks: dict | None = None) -> list[Figure]:
    """Every figure about groups of reviewers in the objects the analysts' pages render and in the
    API's answers, for an analyst. marks, if given, collects the declared-interest marks shown:
    version id -> set of where they were seen."""
    review_round = type(world.review_round).objects.get(pk=world.review_round.pk)  # its status now
    (summary,) = round_summaries([review_round])
    figures = [Figure(None, world.everyone, REVIEWS, summary.submitted)]
    options = matrix_filter_options(review_round)
    matrix = matrix_page(review_round, options=options, filters=MatrixFilters(), page_number=1)
    for group in matrix.groups:
        for row in group.rows:
            version = next(v for v in world.versions if v.use_case.slug == row.use_case_slug)
            if row.declared_interest is not None and marks is not None:
                marks.setdefault(version.pk, set()).add("matrix page")
            for view in row.cells:
                figures += _counts_figures(version.pk, world.everyone, view.principle.pk, view.cell.as_dict())
                figures += _flags(world, version.pk, view.principle.pk, view.flag)
    charts = round_charts(review_round, page_number=1)
    figures.append(Figure(None, world.everyone, REVIEWS, charts.progress.submitted))
    for version in world.versions:
        for principle in world.principles:
            detail = cell_detail(
                review_round=review_round,
                use_case_slug=version.use_case.slug,
                number=version.number,
                principle_slug=principle.slug,
            )
            answer = cell_answer(detail)
            figures += _counts_figures(version.pk, world.everyone, principle.pk, answer)
            figures += _breakdown_figures(world, version.pk, principle.pk, answer["organisations"] or [])
            figures += _flags(world, version.pk, principle.pk, detail.flag)
            if detail.declared_interest is not None and marks is not None:
                marks.setdefault(version.pk, set()).add("cell page")
    for name, serving in world.audiences.items():
        view = audience_view(review_round, audience=Audience.objects.get(name=name), page_number=1)
        for row in view.rows:
            version = next(v for v in world.versions if v.use_case.slug == row.use_case_slug)
            for cell in row.cells:
                if cell.counts is not None:
                    counts = vars(cell.counts)
                    figures += _counts_figures(version.pk, serving, cell.principle.pk, counts)
                    figures.append(Figure(version.pk, serving, REVIEWS, cell.counts.reviewers))
                figures += _flags(world, version.pk, cell.principle.pk, cell.flag)
    document = matrix_document(review_round)
    for row in document["rows"]:
        if row["declared_interest"] and marks is not None:
            version = next(v for v in world.versions if v.use_case.slug == row["use_case"])
            marks.setdefault(version.pk, set()).add("export")
    return figures


def _flags(world: RoundMap, version_id, principle_id, flag) -> list[Figure]:
    return [] if flag is None else _named_flags(world, version_id, principle_id, flag.named)


def everything_decided(world: RoundMap, *, marks: dict | None = None) -> list[Figure]:
    """Every figure the analysts' pages, the API and the exports may show about groups of the
    round's reviewers, from matrix.disclosure and the stored totals (as everything_read)."""
    review_round = type(world.review_round).objects.get(pk=world.review_round.pk)  # its status now
    (summary,) = round_summaries([review_round])
    figures = [Figure(None, world.everyone, REVIEWS, summary.submitted)]
    cells = round_cells(review_round)
    groups = disclosure.round_groups(review_round)
    principle_ids = [p.pk for p in world.principles]
    flags = disclosure.round_flags(review_round, groups, principle_ids)
    if marks is not None:
        for version_id in disclosure.interest_marks(review_round, groups, for_admin=False):
            marks.setdefault(version_id, set()).add("decided")
    for version in world.versions:
        of_version = groups.of(version.pk)
        for principle in world.principles:
            cell = cells.get((version.pk, principle.pk), EMPTY_CELL)
            figures += _counts_figures(version.pk, world.everyone, principle.pk, cell.as_dict())
            breakdown = of_version.breakdown(principle.pk) or ()
            figures += _breakdown_figures(world, version.pk, principle.pk, [vars(group) for group in breakdown])
            for serving in world.audiences.values():
                if (counts := of_version.union_counts(serving, principle.pk)) is not None:
                    figures += _counts_figures(version.pk, serving, principle.pk, vars(counts))
                    figures.append(Figure(version.pk, serving, REVIEWS, counts.reviewers))
            figures += _flags(world, version.pk, principle.pk, flags.get((version.pk, principle.pk)))
    return figures
