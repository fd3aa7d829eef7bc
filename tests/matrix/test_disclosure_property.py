"""The anonymity rule against an attacker, on random rounds (docs/analysts.md, "What the anonymity
rule promises").

Each example builds a round through the services: two to four organisations, each serving a random
set of three audiences; one to three use case versions; one to eight reviewers per version from
random organisations, each with a random verdict on each of two principles; a random flag rule and
declared interests (overridden, so that the organisation still reviews). Reviews are submitted one
at a time, in a random order, and the round is then closed. Before the first submission, after
each one and after closing, the attacker reads every count about groups of reviewers that an
analyst can read (tests.matrix.disclosure_reading.everything_decided: every figure that
matrix.disclosure lets the pages, the API and the exports show, with the stored totals; the
pages' objects, the API's answers and the rendered pages show no other, as
tests/matrix/test_disclosure.py checks) and, at every one of those moments, searches exactly, with
an integer program, for each organisation that has 1 to k-1 reviews of a version.

Pinned down, precisely: at a moment T, such an organisation is pinned down if, at T or at an
earlier moment at which it had reviews of the version, its number of reviews of the version is the
same in every integer solution consistent with everything shown up to T (each review from exactly
one organisation; every shown count an equation, a flag an inequality). The test requires that
never to happen. A number of reviews that can differ means every principle's (meets, does not
meet, not sure) for the group can differ too, since a submitted review answers every principle.

Besides: no count about part of a version's reviewers is ever about fewer than k of them, and a
declared-interest mark is never shown to an analyst on a version only one organisation reviewed,
nor appears the moment a review arrives.
"""

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from matrix.services.recompute import matrix_recompute
from reviews.services.interests import interest_declare, interest_override
from reviews.services.rounds import round_flag_rule_change
from tests.factories import (
    close_round,
    make_admin,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import submit
from tests.matrix.disclosure_attacker import REVIEWS, Arrival, Attacker
from tests.matrix.disclosure_reading import RoundMap, everything_decided

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

K = 3  # settings.ANONYMITY_MIN_GROUP, as the tests run
EXAMPLES = 200
AUDIENCES = 3
PRINCIPLES = 2
VERDICTS = ("meets", "does_not_meet", "not_sure")


@dataclass(frozen=True)
class Plan:
    serves: tuple[frozenset, ...]  # per organisation, the audiences (indexes) it serves
    use_case_audiences: tuple[int, ...]  # per version, its use case's audience
    reviews: tuple[tuple[tuple[int, tuple[str, ...]], ...], ...]  # per version: (organisation, verdicts)
    order: tuple[tuple[int, int], ...]  # (version, review) in the order they are submitted
    flag_audiences: frozenset
    interests: frozenset  # (organisation, version) declarations, overridden


@st.composite
def plans(draw) -> Plan:
    organisations = draw(st.integers(2, 4))
    serves = tuple(draw(st.frozensets(st.integers(0, AUDIENCES - 1), min_size=1)) for _ in range(organisations))
    versions = draw(st.integers(1, 3))
    review = st.tuples(st.integers(0, organisations - 1), st.tuples(*[st.sampled_from(VERDICTS)] * PRINCIPLES))
    reviews = tuple(tuple(draw(st.lists(review, min_size=1, max_size=8))) for _ in range(versions))
    order = draw(st.permutations([(v, i) for v, of_version in enumerate(reviews) for i in range(len(of_version))]))
    return Plan(
        serves=serves,
        use_case_audiences=tuple(draw(st.integers(0, AUDIENCES - 1)) for _ in range(versions)),
        reviews=reviews,
        order=tuple(order),
        flag_audiences=draw(st.frozensets(st.integers(0, AUDIENCES - 1))),
        interests=draw(
            st.frozensets(st.tuples(st.integers(0, organisations - 1), st.integers(0, versions - 1)), max_size=2)
        ),
    )


class World:
    """The plan's round, built through the services, and what the attacker knows of it."""

    def __init__(self, plan: Plan):
        self.plan = plan
        audiences = [make_audience() for _ in range(AUDIENCES)]
        self.organisations = [make_organisation(audiences=[audiences[a] for a in serves]) for serves in plan.serves]
        self.principles = [make_principle() for _ in range(PRINCIPLES)]
        self.versions = [make_version(audience=audiences[a]) for a in plan.use_case_audiences]
        self.round = make_round(principles=self.principles, versions=self.versions)
        round_flag_rule_change(
            review_round=self.round, audiences=[audiences[a] for a in plan.flag_audiences], actor=None
        )
        admin = make_admin()
        for organisation, version in plan.interests:
            interest = interest_declare(
                organisation=self.organisations[organisation],
                use_case=self.versions[version].use_case,
                reason="A contract.",
                actor=admin,
            )
            interest_override(interest=interest, reason="Agreed.", actor=admin)
        for version in self.versions:
            for organisation in self.organisations:
                make_assignment(review_round=self.round, version=version, organisation=organisation)
        self.members: dict[int, list] = {}
        self.map = RoundMap(
            review_round=self.round,
            organisations={o.name: o.pk for o in self.organisations},
            audiences={
                audience.name: frozenset(
                    o.pk for o, serves in zip(self.organisations, plan.serves, strict=True) if index in serves
                )
                for index, audience in enumerate(audiences)
            },
            versions=self.versions,
            principles=self.principles,
        )

    def submit(self, version_index: int, review_index: int) -> Arrival:
        organisation_index, verdicts = self.plan.reviews[version_index][review_index]
        organisation = self.organisations[organisation_index]
        # The n-th review of a version from an organisation is by its n-th member.
        earlier = sum(
            1
            for v, i in self.plan.order[: self.plan.order.index((version_index, review_index))]
            if v == version_index and self.plan.reviews[v][i][0] == organisation_index
        )
        members = self.members.setdefault(organisation.pk, [])
        if earlier == len(members):
            members.append(make_reviewer(organisation=organisation))
        version = self.versions[version_index]
        submit(members[earlier], self.round, version, dict(zip(self.principles, verdicts, strict=True)))
        matrix_recompute(round_id=self.round.pk, version_ids=[version.pk])  # what the task queued by the save does
        return Arrival(
            version.pk, organisation.pk, {p.pk: verdict for p, verdict in zip(self.principles, verdicts, strict=True)}
        )


def reviewed_by(arrivals: list[Arrival], version_id: int) -> set[int]:
    return {a.organisation for a in arrivals if a.version == version_id}


def test_no_organisation_below_k_is_ever_pinned_down(db):
    seen = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(plan=plans())
    def attack(plan: Plan):
        world = World(plan)
        attacker = Attacker(organisations=world.map.everyone, min_group=K)
        marks_seen: list[dict] = []

        shown_apart: set[int] = set()  # versions with a figure about part of their reviewers

        def look() -> None:
            marks: dict = {}
            figures = everything_decided(world.map, marks=marks)
            for figure in figures:
                if figure.what == REVIEWS and figure.version is not None and figure.organisations != world.map.everyone:
                    assert figure.value >= K, f"a group of {figure.value} shown: {figure}"
                    shown_apart.add(figure.version)
            for version_id in marks:
                assert len(reviewed_by(attacker.arrivals, version_id)) >= 2, "a mark points to one organisation"
            attacker.read(figures)
            marks_seen.append(marks)

        look()
        for version_index, review_index in plan.order:
            attacker.arrive(world.submit(version_index, review_index))
            look()
            assert set(marks_seen[-1]) <= set(marks_seen[-2]), "a mark appeared the moment a review arrived"
        close_round(world.round)
        look()

        pinned = attacker.pinned_anywhere()
        assert pinned == [], pinned
        protected = {
            (a.version, a.organisation)
            for a in attacker.arrivals
            if 0 < sum(b.version == a.version and b.organisation == a.organisation for b in attacker.arrivals) < K
        }
        beside_figures = {(version, organisation) for version, organisation in protected if version in shown_apart}
        seen["examples"] += 1
        seen["integer programs"] += attacker.solves
        seen["organisations below k at the close"] += len(protected)
        seen["of them on a use case with figures about part of its reviewers"] += len(beside_figures)
        seen["examples with such an organisation"] += bool(beside_figures)
        event(f"organisations below k beside figures about part of the reviewers: {len(beside_figures)}")

    attack()

    assert seen["examples"] >= EXAMPLES
    # The attacker had something to work on: in a good share of the rounds, an organisation below k
    # reviewed a use case shown by organisation, by audience or with a flag.
    assert seen["examples with such an organisation"] >= EXAMPLES // 10, seen
    print(f"\n{dict(seen)}")
