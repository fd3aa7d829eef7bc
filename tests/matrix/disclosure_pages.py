"""Every count an analyst can read about a round's groups of reviewers, read from the rendered
pages and the API's answers over HTTP, as the attacker's figures (tests.matrix.disclosure_attacker).

The pages read: every cell's page (its organisation breakdown) and its API answer (its counts and
the breakdown), the matrix by every reviewing audience (its counts and flags), the matrix page
(its flags) and the charts page (progress by organisation, if shown). "Other organisations" is
read as every organisation of the round that is not named beside it."""

import re
from dataclasses import dataclass

from django.urls import reverse

from tests.matrix.disclosure_attacker import REVIEWS, Figure
from tests.pages import main_content

VERDICTS = ("meets", "does_not_meet", "not_sure")
COUNTS = re.compile(r"(\d+) meets?, (\d+) does not meet, (\d+) not sure")
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
    figures = []
    for names in FLAG.findall(words):
        group = frozenset().union(*(world.audiences[name] for name in names.split(" or ")))
        figures.append(Figure(version_id, group, (principle_id, "does_not_meet"), 1, at_least=True))
    return figures


def cell_figures(client, world: RoundMap, version, principle) -> list[Figure]:
    """The cell's API answer: its counts, and its organisation breakdown if it has one."""
    slug = world.review_round.slug
    body = client.get(reverse("api:cell", args=[slug, version.use_case.slug, version.number, principle.slug])).json()
    figures = _counts_figures(version.pk, world.everyone, principle.pk, body)
    groups = body["organisations"] or []
    named = frozenset(world.organisations[g["organisation"]] for g in groups if g["organisation"])
    for group in groups:
        members = frozenset({world.organisations[group["organisation"]]}) if group["organisation"] else None
        members = members or world.everyone - named
        figures += _counts_figures(version.pk, members, principle.pk, group)
        figures.append(Figure(version.pk, members, REVIEWS, group["reviewers"]))
    return figures


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
