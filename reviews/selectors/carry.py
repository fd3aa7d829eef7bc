"""What a reviewer of an earlier version of a use case may carry forward to the version in a round
(docs/reviewer-journey.md, "A new version of a use case you reviewed"): their latest submitted
review of an earlier version, and for each principle of the round whether the sections it reads
changed since. Carrying itself goes through reviews.services.carry."""

from dataclasses import dataclass

from principles.models import Principle
from reviews.models import Review, Verdict
from reviews.selectors.sections import changed_sections
from usecases.models import UseCaseVersion


@dataclass(frozen=True)
class CarryChoice:
    """One principle of the round, beside the reviewer's verdict on it for the earlier version."""

    principle: Principle
    # The reviewer's submitted verdict on the earlier version (None: they gave none on it).
    earlier: Verdict | None
    # The names of the sections the principle reads that changed (empty: it may be carried).
    changed: tuple[str, ...]
    # The verdict on this version is, as saved now, carried forward from that earlier one.
    carried: bool

    @property
    def may_carry(self) -> bool:
        return self.earlier is not None and bool(self.earlier.verdict) and not self.changed


def previous_review(*, reviewer, version: UseCaseVersion) -> Review | None:
    """The reviewer's latest submitted review of an earlier version of the use case (the highest
    version number, then the latest submitted), with its version, round and verdicts; None when
    they submitted none. Two queries."""
    if not reviewer.is_authenticated:
        return None
    return (
        Review.objects.filter(
            reviewer=reviewer,
            status=Review.Status.SUBMITTED,
            version__use_case_id=version.use_case_id,
            version__number__lt=version.number,
        )
        .select_related("version", "round")
        .prefetch_related("verdicts")
        .order_by("-version__number", "-submitted_at", "-pk")
        .first()
    )


def previous_reviewed_number(*, reviewer, version: UseCaseVersion) -> int | None:
    """The number of the latest earlier version of the use case the reviewer submitted a review
    of, for the review form's link to what changed since; None if none. No query for a first version."""
    if version.number <= 1 or not reviewer.is_authenticated:
        return None
    return (
        Review.objects.filter(
            reviewer=reviewer,
            status=Review.Status.SUBMITTED,
            version__use_case_id=version.use_case_id,
            version__number__lt=version.number,
        )
        .order_by("-version__number")
        .values_list("version__number", flat=True)
        .first()
    )


def previous_version(version: UseCaseVersion) -> UseCaseVersion | None:
    """The use case's version before this one (the highest lower number); None for the first."""
    return (
        UseCaseVersion.objects.filter(use_case_id=version.use_case_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def carry_choices(
    *, principles: list[Principle], previous: Review, version: UseCaseVersion, review: Review | None
) -> list[CarryChoice]:
    """Each principle with the earlier verdict and what changed in the sections it reads, from the
    reviews' prefetched verdicts: no query."""
    earlier = {v.principle_id: v for v in previous.verdicts.all()}
    current = {v.principle_id: v for v in review.verdicts.all()} if review else {}
    return [
        CarryChoice(
            principle=principle,
            earlier=earlier.get(principle.pk),
            changed=tuple(changed_sections(principle, previous.version, version)),
            carried=bool(
                (row := current.get(principle.pk))
                and row.carried_from_id
                and row.carried_from_id == getattr(earlier.get(principle.pk), "pk", None)
            ),
        )
        for principle in principles
    ]
