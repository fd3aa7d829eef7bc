"""The attacker of the disclosure tests, on figures written by hand: it pins down the groups that
the old views gave away, and the ones a breakdown recomputed after every submission gives away;
it leaves alone a group hidden among others. (No database: the figures are given.)"""

from tests.matrix.disclosure_attacker import REVIEWS, Arrival, Attacker, Figure

CRISIS, ST_BASILS, NACRO = 1, 2, 3
VERSION = 10
RELEVANT, CLEAR = 100, 101
HOMELESSNESS = frozenset({CRISIS, ST_BASILS})
EVERYONE = frozenset({CRISIS, ST_BASILS, NACRO})


def group_figures(attacker: Attacker, group: frozenset, *, reviews: bool = True) -> list[Figure]:
    """What a page shows about a group of organisations now: its counts on each principle (and
    its number of reviews), worked out from the reviews that came from it."""
    members = [a for a in attacker.arrivals if a.version == VERSION and a.organisation in group]
    figures = [
        Figure(VERSION, group, (principle, verdict), sum(a.verdicts[principle] == verdict for a in members))
        for principle in (RELEVANT, CLEAR)
        for verdict in ("meets", "does_not_meet", "not_sure")
    ]
    if reviews:
        figures.append(Figure(VERSION, group, REVIEWS, len(members)))
    return figures


def arrive(attacker: Attacker, organisation: int, relevant: str, clear: str) -> None:
    attacker.arrive(Arrival(VERSION, organisation, {RELEVANT: relevant, CLEAR: clear}))


def test_the_old_views_gave_away_st_basils_and_nacro():
    """The issue's reproduction: the cell page names Crisis (3) beside an "other" group of 2, the
    by-audience view shows Homelessness, the charts page shows submitted reviews per organisation."""
    attacker = Attacker(organisations=EVERYONE, min_group=3)
    for organisation, relevant in ((CRISIS, "meets"),) * 3 + ((ST_BASILS, "does_not_meet"), (NACRO, "does_not_meet")):
        arrive(attacker, organisation, relevant, "meets")
    attacker.read(
        group_figures(attacker, EVERYONE)
        + group_figures(attacker, frozenset({CRISIS}))
        + group_figures(attacker, frozenset({ST_BASILS, NACRO}))
        + group_figures(attacker, HOMELESSNESS)
        + [Figure(VERSION, frozenset({o}), REVIEWS, n) for o, n in ((CRISIS, 3), (ST_BASILS, 1), (NACRO, 1))]
    )

    pinned = attacker.pinned(0)

    assert {(p.organisation, p.reviews) for p in pinned} == {(ST_BASILS, 1), (NACRO, 1)}


def test_a_breakdown_recomputed_after_every_submission_gives_away_a_small_organisation():
    """Blocks of at least 3 reviewers, recomputed from scratch after each submission: every figure
    shown is about 3 or more reviewers, yet comparing moments pins St Basils' one reviewer. Nacro
    (3) is named first; Crisis then grows past 3 while St Basils stays at 1, and the small group
    left over is pooled with Nacro, so Crisis comes out named with 4: St Basils is what is left."""
    attacker = Attacker(organisations=EVERYONE, min_group=3)
    nacro, crisis, other = frozenset({NACRO}), frozenset({CRISIS}), None
    plan = [
        (NACRO, "meets", "meets", []),
        (NACRO, "meets", "meets", []),
        (NACRO, "meets", "does_not_meet", []),  # Nacro alone: one block, nothing to show
        (CRISIS, "does_not_meet", "meets", []),  # Crisis 1 is pooled with Nacro: still one block
        (CRISIS, "does_not_meet", "does_not_meet", []),
        (ST_BASILS, "not_sure", "meets", [nacro, other]),  # Nacro 3, other (Crisis 2, St Basils 1)
        (CRISIS, "meets", "not_sure", [nacro, other]),  # Crisis 3 joins St Basils 1 (the smaller tie)
        (CRISIS, "does_not_meet", "not_sure", [crisis, other]),  # Crisis 4; St Basils pooled with Nacro
    ]
    for organisation, relevant, clear, shown in plan:
        arrive(attacker, organisation, relevant, clear)
        named = frozenset().union(*(group for group in shown if group))
        groups = [group or EVERYONE - named for group in shown]
        for group in groups:  # every group shown is 3 reviewers or more
            assert sum(1 for a in attacker.arrivals if a.organisation in group) >= 3
        attacker.read([figure for group in [EVERYONE, *groups] for figure in group_figures(attacker, group)])

    assert attacker.pinned(5) == [], "the first breakdown alone gives nothing away"
    pinned = attacker.pinned(len(plan) - 1)

    assert {(p.organisation, p.reviews) for p in pinned} == {(ST_BASILS, 1)}


def test_a_small_organisation_pooled_with_another_is_not_pinned():
    """Crisis (3) is named, and St Basils (1) and Nacro (2) are shown only together: the attacker
    cannot tell how the pool splits, at any moment."""
    attacker = Attacker(organisations=EVERYONE, min_group=3)
    attacker.read([])
    for organisation, relevant in (
        (CRISIS, "meets"),
        (NACRO, "does_not_meet"),
        (CRISIS, "meets"),
        (ST_BASILS, "does_not_meet"),
        (CRISIS, "not_sure"),
        (NACRO, "meets"),
    ):
        arrive(attacker, organisation, relevant, "meets")
        attacker.read(group_figures(attacker, EVERYONE))
    attacker.read(
        group_figures(attacker, EVERYONE)
        + group_figures(attacker, frozenset({CRISIS}))
        + group_figures(attacker, frozenset({ST_BASILS, NACRO}))
    )

    assert attacker.pinned_anywhere() == []
    assert attacker.solves > 0
