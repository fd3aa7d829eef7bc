"""An analyst turned attacker, for the disclosure tests (docs/analysts.md, "What the anonymity rule
promises").

The attacker writes down every count an analyst could read about a round, moment after moment,
as linear constraints on what they do not know, and asks an integer program whether a small
group's figures are forced.

What the attacker knows. The totals of every cell are public at every moment, so each time one
review is submitted the attacker learns which use case version it was for and its verdict on every
principle (the change in the totals), and the order in which reviews arrived. The only unknown is
the organisation each review came from: z[a, o] = 1 when review a (the a-th to arrive) came from
organisation o, with exactly one organisation per review. Every count shown about a group of a
version's reviewers (an organisation, "other organisations", the organisations serving an
audience, the organisations behind a flag) is a sum of z over the reviews that had arrived by
then, so it becomes a linear equation (or, for a flag, an inequality).

This is the model with unknowns per moment, version, organisation and principle (meets, does not
meet, not sure, and the number of reviews), non-negative integers, linked from one moment to the
next by exactly one review added, written with one unknown per review instead: given the totals
at every moment, each integer solution of one is an integer solution of the other. Giving the
attacker every review's verdicts outright only makes it stronger.

What "pinned down" means. At a moment T, an organisation with 1 to k-1 reviews of a version is
protected, at T and at every earlier moment at which it had reviews of that version. It is pinned
down when, at one of those moments, its number of reviews of the version is the same in every
integer solution consistent with what was shown up to T. A number of reviews that can differ
means that the group's (meets, does not meet, not sure) on every principle can differ too (a
submitted review answers every principle), so nothing about the group is forced. Whatever is
shown after T is not the attacker's yet: an organisation that reaches k reviews later is
protected until then.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

REVIEWS = "reviews"


@dataclass(frozen=True)
class Arrival:
    """One submitted review, in the order reviews arrived: its version, its verdict per principle
    (known to the attacker) and its organisation (the truth, unknown to the attacker)."""

    version: int
    organisation: int
    verdicts: Mapping[int, str]


@dataclass(frozen=True)
class Figure:
    """A count shown about a version's reviewers from a group of organisations (version None: the
    whole round's reviewers, as progress is). what: REVIEWS (the number of reviews) or (principle
    id, verdict). at_least: the figure is a lower bound (a flag says there is at least one)."""

    version: int | None
    organisations: frozenset
    what: object
    value: int
    at_least: bool = False


@dataclass(frozen=True)
class Pinned:
    """A group the attacker pinned down: at moment `at` (snapshot index), the organisation's
    number of reviews of the version after `after` reviews had arrived is forced to `reviews`."""

    at: int
    version: int
    organisation: int
    after: int
    reviews: int


class Attacker:
    def __init__(self, *, organisations: Iterable[int], min_group: int):
        self.organisations = sorted(set(organisations))
        self.min_group = min_group
        self.arrivals: list[Arrival] = []
        # (number of reviews arrived, figures read then), one per moment the attacker looked.
        self.snapshots: list[tuple[int, frozenset[Figure]]] = []
        self.solves = 0

    def arrive(self, arrival: Arrival) -> None:
        assert arrival.organisation in self.organisations, arrival
        self.arrivals.append(arrival)

    def read(self, figures: Iterable[Figure]) -> None:
        """Everything shown at this moment (after the reviews that have arrived so far)."""
        figures = frozenset(figures)
        for figure in figures:
            assert set(figure.organisations) <= set(self.organisations), figure
        self.snapshots.append((len(self.arrivals), figures))

    # --- the integer program ---------------------------------------------------------------------

    def _column(self, arrival: int, organisation: int) -> int:
        return arrival * len(self.organisations) + self.organisations.index(organisation)

    def _counts(self, arrival: Arrival, what) -> int:
        if what == REVIEWS:
            return 1
        principle, verdict = what
        return int(arrival.verdicts.get(principle, "") == verdict)

    def _system(self, moment: int):
        """The constraints from every snapshot up to `moment`, over the reviews arrived by then."""
        arrived = self.snapshots[moment][0]
        width = arrived * len(self.organisations)
        rows, lower, upper = [], [], []
        for a in range(arrived):  # each review came from exactly one organisation
            row = np.zeros(width)
            row[a * len(self.organisations) : (a + 1) * len(self.organisations)] = 1
            rows.append(row)
            lower.append(1)
            upper.append(1)
        for count, figures in self.snapshots[: moment + 1]:
            for figure in figures:
                row = np.zeros(width)
                for a, arrival in enumerate(self.arrivals[:count]):
                    if figure.version in (None, arrival.version) and (weight := self._counts(arrival, figure.what)):
                        for organisation in figure.organisations:
                            row[self._column(a, organisation)] = weight
                rows.append(row)
                lower.append(figure.value)
                upper.append(np.inf if figure.at_least else figure.value)
        return np.array(rows).reshape(len(rows), width), np.array(lower, float), np.array(upper, float), arrived

    def _truth(self, arrived: int) -> np.ndarray:
        z = np.zeros(arrived * len(self.organisations))
        for a, arrival in enumerate(self.arrivals[:arrived]):
            z[self._column(a, arrival.organisation)] = 1
        return z

    def _reviews_of(self, version: int, organisation: int, after: int, width: int) -> np.ndarray:
        """The linear form giving the organisation's number of reviews of the version after the
        first `after` reviews."""
        form = np.zeros(width)
        for a, arrival in enumerate(self.arrivals[:after]):
            if arrival.version == version:
                form[self._column(a, organisation)] = 1
        return form

    def _optimum(self, objective, system) -> np.ndarray:
        matrix, lower, upper, _arrived = system
        self.solves += 1
        result = milp(
            objective,
            constraints=LinearConstraint(matrix, lower, upper),
            integrality=np.ones(len(objective)),
            bounds=Bounds(0, 1),
        )
        assert result.status == 0, result.message  # the truth is a solution, so one always exists
        return np.round(result.x)

    def pinned(self, moment: int) -> list[Pinned]:
        """The protected groups the attacker pins down with everything shown up to `moment`."""
        system = self._system(moment)
        matrix, lower, upper, arrived = system
        truth = self._truth(arrived)
        shown = matrix @ truth
        assert np.all(shown >= lower) and np.all(shown <= upper), "a figure read disagrees with the reviews"
        moments = sorted({count for count, _ in self.snapshots[: moment + 1]})
        found = []
        for version, organisation in sorted({(a.version, a.organisation) for a in self.arrivals[:arrived]}):
            now = self._reviews_of(version, organisation, arrived, len(truth)) @ truth
            if not 1 <= now < self.min_group:
                continue
            forms = {
                after: form
                for after in moments
                if (form := self._reviews_of(version, organisation, after, len(truth))) @ truth >= 1
            }
            # One search for a world where the group had fewer reviews at every such moment; then,
            # for any moment it left alone, a search for fewer and one for more at that moment.
            world = self._optimum(sum(forms.values()), system)
            for after, form in forms.items():
                true_value = form @ truth
                if form @ world != true_value:
                    continue
                if form @ self._optimum(form, system) != true_value:
                    continue
                if form @ self._optimum(-form, system) != true_value:
                    continue
                found.append(Pinned(moment, version, organisation, after, int(true_value)))
        return found

    def pinned_anywhere(self) -> list[Pinned]:
        """Every group pinned down at any moment the attacker looked."""
        return [pinned for moment in range(len(self.snapshots)) for pinned in self.pinned(moment)]
