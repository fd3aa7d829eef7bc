"""What the authors' pages read: their audiences' use cases, each version's state in the rounds
it is in, and, once a round's feedback is open to them, its outcomes and reasons."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from matrix.disclosure import feedback_open_to_authors
from matrix.models import FeedbackRelease, MatrixCell
from matrix.selectors.cells import COUNT_KEYS, cell_from_row
from principles.rule import TICK
from reviews.models import ReviewRound, RoundVersion
from reviews.selectors.reviews import ReviewTarget, other_reasons
from usecases.models import UseCase, UseCaseDraft, UseCaseVersion
from usecases.selectors import use_cases_written_by

DRAFT, PUBLISHED, IN_REVIEW, REVIEWED = "draft", "published", "in_review", "reviewed"


@dataclass(frozen=True)
class VersionInRound:
    round: ReviewRound
    feedback_open: bool
    released: bool
    principles_met: int | None  # None until the feedback is open
    principle_count: int

    @property
    def state(self) -> str:
        return REVIEWED if self.round.status == ReviewRound.Status.CLOSED else IN_REVIEW


@dataclass
class AuthorVersion:
    version: UseCaseVersion
    rounds: list[VersionInRound] = field(default_factory=list)

    @property
    def state(self) -> str:
        states = {entry.state for entry in self.rounds}
        return IN_REVIEW if IN_REVIEW in states else REVIEWED if states else PUBLISHED


@dataclass
class AuthorUseCase:
    use_case: UseCase
    draft: UseCaseDraft | None
    versions: list[AuthorVersion]

    @property
    def next_number(self) -> int:
        return self.versions[0].version.number + 1 if self.versions else 1

    @property
    def title(self) -> str:
        """The newest version's title (the draft's, before any is published)."""
        if self.versions:
            return self.versions[0].version.title
        return (self.draft and self.draft.title) or self.use_case.slug


def _rounds_of(version_ids: list[int]) -> dict[int, list[VersionInRound]]:
    """Per version id, the rounds it is in that have opened, newest first (three queries)."""
    links = list(
        RoundVersion.objects.filter(version_id__in=version_ids)
        .exclude(round__status=ReviewRound.Status.DRAFT)
        .select_related("round")
        .annotate(principle_count=Count("round__principles", distinct=True))
        .order_by("-round__created_at", "-round_id")
    )
    round_ids = {link.round_id for link in links}
    released = set(FeedbackRelease.objects.filter(round_id__in=round_ids).values_list("round_id", flat=True))
    met = (
        MatrixCell.objects.filter(round_id__in=round_ids, version_id__in=version_ids)
        .values("round_id", "version_id")
        .annotate(met=Count("pk", filter=Q(outcome=TICK)))
        .order_by()
    )
    ticks = {(row["round_id"], row["version_id"]): row["met"] for row in met}
    by_version = defaultdict(list)
    for link in links:
        is_open = feedback_open_to_authors(link.round, released=link.round_id in released)
        by_version[link.version_id].append(
            VersionInRound(
                round=link.round,
                feedback_open=is_open,
                released=link.round_id in released,
                principles_met=ticks.get((link.round_id, link.version_id), 0) if is_open else None,
                principle_count=link.principle_count,
            )
        )
    return by_version


def author_use_cases(user) -> list[AuthorUseCase]:
    """The use cases of the audiences this person writes for, with their draft and versions
    (newest first): five queries, whatever their number."""
    use_cases = list(use_cases_written_by(user).select_related("draft").prefetch_related("versions"))
    versions = [version for use_case in use_cases for version in use_case.versions.all()]
    rounds = _rounds_of([version.pk for version in versions])
    return [
        AuthorUseCase(
            use_case=use_case,
            draft=getattr(use_case, "draft", None),
            versions=[
                AuthorVersion(version, rounds.get(version.pk, []))
                for version in sorted(use_case.versions.all(), key=lambda v: -v.number)
            ],
        )
        for use_case in use_cases
    ]


def author_version(version: UseCaseVersion) -> AuthorVersion:
    return AuthorVersion(version, _rounds_of([version.pk]).get(version.pk, []))


def round_feedback(entry: VersionInRound, version: UseCaseVersion, principles, cells) -> list[dict]:
    """Per principle of the round: its cell and every reason given, pseudonymised."""
    reasons = other_reasons(target=ReviewTarget(round=entry.round, version=version), exclude_review=None)
    return [
        {"principle": principle, "cell": cells.get(principle.pk), "reasons": reasons.get(principle.pk, [])}
        for principle in principles
    ]


@dataclass
class RoundOutcomes:
    """A round that reviewed a version, and the version's outcome for each of the round's principles."""

    round: ReviewRound
    rows: list[tuple]  # (principle, Cell or None)


def versions_outcomes(versions: list[UseCaseVersion], *, every_round: bool) -> dict[int, list[RoundOutcomes]]:
    """Per version id, the rounds that reviewed it (newest first) with each principle's outcome:
    every round for analysts and admins (every_round), only those whose feedback is open for authors.
    Five queries, whatever the number of versions and rounds."""
    rounds = _rounds_of([version.pk for version in versions])
    shown = {
        version_id: [entry.round for entry in entries if every_round or entry.feedback_open]
        for version_id, entries in rounds.items()
    }
    round_ids = {each.pk for entries in shown.values() for each in entries}
    principles = defaultdict(list)
    for link in ReviewRound.principles.through.objects.filter(reviewround_id__in=round_ids).select_related("principle"):
        principles[link.reviewround_id].append(link.principle)
    cells = {
        (cell["round_id"], cell["version_id"], cell["principle_id"]): cell_from_row(cell)
        for cell in MatrixCell.objects.filter(version_id__in=[v.pk for v in versions], round_id__in=round_ids).values(
            "round_id", "version_id", "principle_id", "outcome", *COUNT_KEYS
        )
    }
    return {
        version.pk: [
            RoundOutcomes(
                each,
                [
                    (principle, cells.get((each.pk, version.pk, principle.pk)))
                    for principle in sorted(principles[each.pk], key=lambda p: (p.order, p.name))
                ],
            )
            for each in shown.get(version.pk, [])
        ]
        for version in versions
    }
