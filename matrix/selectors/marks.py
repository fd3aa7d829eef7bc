"""The marks on a round's matrix: which use case versions carry a declared-interest mark and which
cells the round's flag rule flags for discussion, as far as matrix.disclosure lets the person see
them. The matrix page, the cell page, the per-audience view, every export and the API read their
marks here and nowhere else, so a mark is the same in every output."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from matrix import disclosure
from reviews.models import ReviewRound


@dataclass(frozen=True)
class RoundMarks:
    """The groups of reviewers (what else may be shown about them), the declared-interest marks by
    version and the flags by (version, principle) of the versions asked about."""

    groups: disclosure.RoundGroups
    interests: dict[int, disclosure.InterestMark] = field(default_factory=dict)
    flags: dict[tuple[int, int], disclosure.CellFlag] = field(default_factory=dict)

    @property
    def published(self) -> bool:
        """Whether marks about groups of reviewers are published to analysts (the round has closed)."""
        return self.groups.published

    def interest(self, version_id: int) -> disclosure.InterestMark | None:
        return self.interests.get(version_id)

    def flag(self, version_id: int, principle_id: int) -> disclosure.CellFlag | None:
        return self.flags.get((version_id, principle_id))

    def flagged(self, version_id: int, principle_ids: Iterable[int]) -> list[int]:
        """Of these principles (ids, in order), those whose cell of the version is flagged."""
        return [p for p in principle_ids if (version_id, p) in self.flags]


def round_marks(
    review_round: ReviewRound,
    *,
    principle_ids: Iterable[int],
    version_ids: Iterable[int] | None = None,
    for_admin: bool = False,
    interests: bool = True,
) -> RoundMarks:
    """The marks of the round's versions (of these versions; None: every version) on these
    principles that the person may see: for_admin, a programme admin, sees declared-interest marks
    with the organisations' names at any time; analysts and exports (shared files) see them
    unnamed, once the round has closed, on versions reviewed by at least two organisations.
    Flags follow the analysts' rule for everyone. None while the round is open (one for a programme
    admin: the declared interests); three once it has closed (the groups of reviewers, the flag
    audiences' organisations, the declared interests; interests=False, for a page that shows no
    declared-interest mark, leaves out the last)."""
    version_ids = None if version_ids is None else list(version_ids)
    groups = disclosure.round_groups(review_round, version_ids)
    return RoundMarks(
        groups=groups,
        interests=(
            disclosure.interest_marks(review_round, groups, version_ids, for_admin=for_admin) if interests else {}
        ),
        flags=disclosure.round_flags(review_round, groups, list(principle_ids)),
    )
