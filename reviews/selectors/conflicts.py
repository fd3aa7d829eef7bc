"""Two versions of a review side by side after a conflict (docs/reviewer-journey.md, "Two tabs"):
what the reviewer posted, kept on the server (reviews.services.kept_posts), and what another tab or
device saved first, principle by principle, and the form data that combines them as chosen."""

from dataclasses import dataclass

from principles.models import Principle
from reviews.models import Review, Verdict

VERDICT_FIELDS = ("verdict", "reason", "evidence", "suggested_rewording")
OVERALL = "overall_comment"


@dataclass(frozen=True)
class Answer:
    """One principle's answer in one version (every field a string, blank when not given)."""

    verdict: str = ""
    reason: str = ""
    evidence: str = ""
    suggested_rewording: str = ""

    @property
    def verdict_label(self) -> str:
        return Verdict.Choice(self.verdict).label if self.verdict in Verdict.Choice.values else ""


@dataclass(frozen=True)
class Difference:
    """A part of the review (a principle, or the overall comment when principle is None) in both
    versions; same when there is nothing to choose."""

    key: str  # the principle's slug, or "overall_comment"
    principle: Principle | None
    yours: Answer | str
    saved: Answer | str

    @property
    def same(self) -> bool:
        return self.yours == self.saved


def _posted(data: dict[str, list[str]], name: str) -> str:
    values = data.get(name) or [""]
    return str(values[-1]).replace("\r\n", "\n").strip()


def review_differences(*, principles, review: Review | None, kept_data: dict[str, list[str]]) -> list[Difference]:
    """Each principle of the round, then the overall comment, in the kept post and in the saved
    review (from the verdicts own_review prefetched)."""
    saved = {v.principle_id: v for v in review.verdicts.all()} if review else {}
    differences = []
    for principle in principles:
        row = saved.get(principle.pk)
        differences.append(
            Difference(
                key=principle.slug,
                principle=principle,
                yours=Answer(**{f: _posted(kept_data, f"{principle.slug}-{f}") for f in VERDICT_FIELDS}),
                saved=Answer(**{f: getattr(row, f) for f in VERDICT_FIELDS}) if row else Answer(),
            )
        )
    differences.append(
        Difference(
            key=OVERALL,
            principle=None,
            yours=_posted(kept_data, OVERALL),
            saved=review.overall_comment if review else "",
        )
    )
    return differences


def combined_data(*, differences: list[Difference], keep_yours: set[str], lock_version: int) -> dict[str, list[str]]:
    """The review form's fields with the reviewer's version of the parts in keep_yours and the
    saved version of the rest, opened at the saved lock_version, so that saving them replaces the
    saved review without another conflict."""
    data: dict[str, list[str]] = {"lock_version": [str(lock_version)]}
    for difference in differences:
        chosen = difference.yours if difference.key in keep_yours else difference.saved
        if difference.principle is None:
            data[OVERALL] = [chosen]
        else:
            data.update({f"{difference.key}-{f}": [getattr(chosen, f)] for f in VERDICT_FIELDS})
    return data
