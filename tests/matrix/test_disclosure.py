"""The anonymity rule against the ways it was beaten (docs/analysts.md, "The anonymity rule"):
subtracting one view from another, comparing a page before and after one submission, following a
pseudonym across use cases, and a declared-interest mark that points to one organisation."""

import re

import pytest
from django.urls import reverse

from matrix.disclosure import blocks_of
from matrix.exporters.registry import EXPORTERS
from matrix.services.recompute import matrix_recompute
from reviews.models import Review
from reviews.services.interests import interest_declare, interest_override
from tests.factories import (
    close_round,
    make_admin,
    make_analyst,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import submit
from tests.matrix.disclosure_attacker import Arrival, Attacker
from tests.matrix.disclosure_reading import RoundMap, everything_decided, everything_read, everything_shown, text
from tests.pages import main_content

pytestmark = pytest.mark.django_db

MIN_GROUP = 3  # settings.ANONYMITY_MIN_GROUP's default, which the tests run with
ORGANISATIONS = ("Crisis", "Nacro", "St Basils")


class Reproduction:
    """A use case reviewed by 3 Crisis reviewers, 1 St Basils reviewer and 1 Nacro reviewer.
    Crisis and St Basils serve Homelessness, Nacro serves Reducing Reoffending."""

    def __init__(self):
        self.homelessness = make_audience(name="Homelessness", slug="homelessness")
        self.reoffending = make_audience(name="Reducing Reoffending", slug="reducing-reoffending")
        self.crisis = make_organisation(name="Crisis", audiences=[self.homelessness])
        self.st_basils = make_organisation(name="St Basils", audiences=[self.homelessness])
        self.nacro = make_organisation(name="Nacro", audiences=[self.reoffending])
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.clear = make_principle(name="Clear and informative", slug="clear", order=2)
        self.version = make_version(audience=self.homelessness, title="Repeat homelessness")
        self.round = make_round(principles=[self.relevant, self.clear], versions=[self.version])
        self.round.flag_audiences.set([self.reoffending])
        for organisation in (self.crisis, self.st_basils, self.nacro):
            make_assignment(review_round=self.round, version=self.version, organisation=organisation)
        self.map = RoundMap(
            review_round=self.round,
            organisations={o.name: o.pk for o in (self.crisis, self.st_basils, self.nacro)},
            audiences={
                "Homelessness": frozenset({self.crisis.pk, self.st_basils.pk}),
                "Reducing Reoffending": frozenset({self.nacro.pk}),
            },
            versions=[self.version],
            principles=[self.relevant, self.clear],
        )
        self.audience_slugs = {"Homelessness": "homelessness", "Reducing Reoffending": "reducing-reoffending"}
        self.attacker = Attacker(organisations=self.map.everyone, min_group=MIN_GROUP)


@pytest.fixture
def reproduction():
    return Reproduction()


# Reads every page and API answer of the round six times (about 2 CPU-seconds): left out of the
# everyday loop, like the other walks; the tests below keep each disclosure rule in it.
@pytest.mark.slow
def test_no_view_or_comparison_of_views_gives_away_st_basils_or_nacro(
    client, reproduction, django_capture_on_commit_callbacks
):
    """The issue's reproduction: after every submission, and once the round has closed, the
    attacker reads every page and API answer of the round; it never pins down St Basils' or
    Nacro's one reviewer."""
    world = reproduction
    client.force_login(make_analyst())
    world.attacker.read(everything_shown(client, world.map, world.audience_slugs))
    plan = [(world.crisis, "meets")] * 3 + [(world.st_basils, "does_not_meet"), (world.nacro, "does_not_meet")]
    for organisation, relevant in plan:
        with django_capture_on_commit_callbacks(execute=True):
            submit(
                make_reviewer(organisation=organisation),
                world.round,
                world.version,
                {world.relevant: relevant, world.clear: "meets"},
            )
        world.attacker.arrive(
            Arrival(world.version.pk, organisation.pk, {world.relevant.pk: relevant, world.clear.pk: "meets"})
        )
        world.attacker.read(everything_shown(client, world.map, world.audience_slugs))
    close_round(world.round)
    world.attacker.read(everything_shown(client, world.map, world.audience_slugs))

    assert world.attacker.pinned_anywhere() == []


def test_no_group_below_k_is_shown_right_after_one_submission(client, django_capture_on_commit_callbacks):
    """Crisis and Nacro have 3 reviewers each, then one St Basils reviewer submits: the API never
    shows a group of fewer than 3 reviewers, while the round is open or once it has closed."""
    audience = make_audience(name="Homelessness")
    relevant, clear = make_principle(slug="relevant"), make_principle(slug="clear")
    version = make_version(audience=audience)
    review_round = make_round(principles=[relevant, clear], versions=[version])
    client.force_login(make_analyst())
    url = reverse("api:cell", args=[review_round.slug, version.use_case.slug, version.number, "relevant"])
    crisis, nacro, st_basils = (make_organisation(name=name, audiences=[audience]) for name in ORGANISATIONS)
    shown = []
    for organisation, verdict in [(crisis, "meets")] * 3 + [(nacro, "meets")] * 3 + [(st_basils, "does_not_meet")]:
        with django_capture_on_commit_callbacks(execute=True):
            submit(make_reviewer(organisation=organisation), review_round, version, {relevant: verdict, clear: "meets"})
        shown.append(client.get(url).json()["organisations"])
    close_round(review_round)
    shown.append(client.get(url).json()["organisations"])

    groups = [group for answer in shown for group in answer or []]
    assert all(group["reviewers"] >= MIN_GROUP for group in groups), groups
    assert shown[-2] is None, "nothing by organisation while the round is open"
    assert [(g["organisation"], g["reviewers"]) for g in shown[-1]] == [("Nacro", 3), (None, 4)]


def test_a_declared_interest_mark_never_points_to_one_organisation(client, django_capture_on_commit_callbacks):
    """Crisis declared an interest (overridden) in a use case only Crisis reviewed: analysts see
    no mark, since it could only be about Crisis; programme admins, who see the declarations
    anyway, read Crisis's name."""
    audience = make_audience(name="Homelessness")
    crisis = make_organisation(name="Crisis", audiences=[audience])
    relevant, clear = make_principle(slug="relevant"), make_principle(slug="clear")
    version = make_version(audience=audience)
    review_round = make_round(principles=[relevant, clear], versions=[version])
    admin = make_admin()
    interest = interest_declare(organisation=crisis, use_case=version.use_case, reason="A contract.", actor=admin)
    interest_override(interest=interest, reason="Agreed.", actor=admin)
    make_assignment(review_round=review_round, version=version, organisation=crisis)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            submit(make_reviewer(organisation=crisis), review_round, version, {relevant: "meets", clear: "meets"})
    close_round(review_round)
    cell = reverse("matrix:cell", args=[review_round.slug, version.use_case.slug, version.number, "relevant"])
    matrix = reverse("matrix:round_matrix", args=[review_round.slug])

    client.force_login(make_analyst())
    for url in (cell, matrix):
        page = main_content(client.get(url))
        assert "data-declared-interest" not in page
        assert "Crisis" not in page
    document = EXPORTERS["json"].render(review_round)
    assert b'"declared_interest": true' not in document

    client.force_login(admin)
    assert "declared an interest: Crisis" in text(main_content(client.get(cell)))


def test_pseudonyms_are_numbered_within_one_use_case_version(client, django_capture_on_commit_callbacks):
    """One person reviews two use cases, first on one and last on the other: their number on each
    is their place among that version's reviews, so the two cannot be linked by number; the cell
    page, the API, the verdicts export and the reviewers' own summary page agree."""
    audience = make_audience(name="Homelessness")
    crisis = make_organisation(name="Crisis", audiences=[audience])
    relevant, clear = make_principle(slug="relevant"), make_principle(slug="clear")
    first, second = make_version(audience=audience), make_version(audience=audience)
    review_round = make_round(principles=[relevant, clear], versions=[first, second])
    people = [make_reviewer(organisation=crisis) for _ in range(3)]
    for version in (first, second):
        make_assignment(review_round=review_round, version=version, organisation=crisis)
    with django_capture_on_commit_callbacks(execute=True):
        for version, person, reason in (
            (first, people[0], "Mine on the first"),
            (second, people[1], "Theirs on the second"),
            (second, people[2], "Another on the second"),
            (second, people[0], "Mine on the second"),
        ):
            submit(person, review_round, version, {relevant: ("does_not_meet", reason, "", ""), clear: "meets"})
    client.force_login(make_analyst())

    def cell_page(version):
        url = reverse("matrix:cell", args=[review_round.slug, version.use_case.slug, version.number, "relevant"])
        return main_content(client.get(url))

    assert re.search(r"Reviewer 1:.*?Mine on the first", cell_page(first), re.S)
    assert re.search(r"Reviewer 3:.*?Mine on the second", cell_page(second), re.S)
    api = client.get(reverse("api:cell", args=[review_round.slug, second.use_case.slug, 1, "relevant"])).json()
    assert {v["reviewer"]: v["reason"] for v in api["verdicts"]} == {
        "Reviewer 1": "Theirs on the second",
        "Reviewer 2": "Another on the second",
        "Reviewer 3": "Mine on the second",
    }
    exported = EXPORTERS["verdicts-csv"].render(review_round).decode()
    assert "Reviewer 3,does_not_meet,Mine on the second" in exported
    assert "Reviewer 1,does_not_meet,Mine on the first" in exported

    client.force_login(people[1])  # the reviewers' own summary page numbers the same way
    summary = reverse("matrix:version_summary", args=[review_round.slug, second.use_case.slug, 1])
    page = main_content(client.get(summary))
    assert re.search(r"Reviewer 3.*?Mine on the second", page, re.S)
    assert Review.objects.filter(round=review_round).count() == 4


A, B, C = 1, 2, 3
NAMES = {A: "Alpha", B: "Beta", C: "Gamma", None: ""}


@pytest.mark.parametrize(
    "reviewers, blocks",
    [
        ({A: 2}, ()),  # fewer than k in all: nothing by organisation
        ({A: 3}, ({A},)),
        ({A: 1, B: 1, C: 1}, ({A, B, C},)),
        ({A: 3, B: 1, C: 2}, ({A}, {B, C})),
        # The pool of 2 takes in the smallest named organisation (on a tie, the first by name).
        ({A: 3, B: 3, C: 1, None: 1}, ({B}, {A, C, None})),
        ({A: 4, B: 3, C: 2}, ({A}, {B, C})),
        # Reviews with no organisation are pooled, never named, however many.
        ({A: 3, None: 3}, ({A}, {None})),
    ],
)
def test_blocks_hold_at_least_k_reviewers_and_name_only_organisations_of_k_or_more(reviewers, blocks):
    found = blocks_of(reviewers, min_group=MIN_GROUP, names=NAMES)

    assert found == tuple(frozenset(block) for block in blocks)
    assert all(sum(reviewers[o] for o in block) >= MIN_GROUP for block in found)


class RicherWorld(Reproduction):
    """The reproduction's organisations and more: Crisis 3, Nacro 3, St Basils 2 and Shelter 1
    (serving both audiences) on one use case, the same but Crisis on another; Homelessness a flag
    audience, St Basils' declared interest in the first use case overridden."""

    def __init__(self):
        super().__init__()
        self.round.flag_audiences.set([self.homelessness])
        self.shelter = make_organisation(name="Shelter", audiences=[self.homelessness, self.reoffending])
        self.second = make_version(audience=self.reoffending, title="Housing after prison")
        self.round.versions.add(self.second)
        admin = make_admin()
        interest = interest_declare(
            organisation=self.st_basils, use_case=self.version.use_case, reason="A contract.", actor=admin
        )
        interest_override(interest=interest, reason="Agreed.", actor=admin)
        self.map = RoundMap(
            review_round=self.round,
            organisations={o.name: o.pk for o in (self.crisis, self.st_basils, self.nacro, self.shelter)},
            audiences={
                "Homelessness": frozenset({self.crisis.pk, self.st_basils.pk, self.shelter.pk}),
                "Reducing Reoffending": frozenset({self.nacro.pk, self.shelter.pk}),
            },
            versions=[self.version, self.second],
            principles=[self.relevant, self.clear],
        )
        verdicts = ["meets", "does_not_meet", "not_sure"]
        people = {o: [make_reviewer(organisation=o) for _ in range(3)] for o in self.map_organisations()}
        plan = [(self.crisis, 3), (self.nacro, 3), (self.st_basils, 2), (self.shelter, 1)]
        for version in (self.version, self.second):
            for organisation, count in plan:
                for index in range(count):
                    relevant = verdicts[(index + organisation.pk + version.pk) % 3]
                    submit(
                        people[organisation][index], self.round, version, {self.relevant: relevant, self.clear: "meets"}
                    )
            plan = plan[1:]  # the second use case: no Crisis

    def map_organisations(self):
        return (self.crisis, self.st_basils, self.nacro, self.shelter)


@pytest.mark.parametrize("closed", [False, True])
def test_the_pages_and_the_api_show_exactly_what_the_attacker_reads(client, closed):
    """The property test reads what matrix.disclosure decides (everything_decided), which is
    fast; the objects the pages render and the API's answers hold the same figures, and the
    rendered pages none other."""
    world = RicherWorld()
    matrix_recompute(round_id=world.round.pk)
    if closed:
        close_round(world.round)
    client.force_login(make_analyst())

    decided_marks, read_marks = {}, {}
    decided = set(everything_decided(world.map, marks=decided_marks))
    read = set(everything_read(world.map, marks=read_marks))
    shown = set(everything_shown(client, world.map, world.audience_slugs))

    assert read == decided
    assert shown <= decided
    assert set(read_marks) == set(decided_marks)
    groups = {f for f in shown if f.organisations != world.map.everyone and f.version is not None}
    if closed:  # the breakdowns, the audiences and the flags all show something
        assert {f.organisations for f in groups} >= {
            frozenset({world.crisis.pk}),
            frozenset({world.nacro.pk}),
            world.map.audiences["Homelessness"],
        }
        assert any(f.at_least for f in groups) and set(read_marks) == {world.version.pk}
    else:
        assert groups == set() and read_marks == {}
