"""What the authors' pages read: their audiences' use cases, each version's state in the rounds
it is in, and, once a round's feedback is open to them, its outcomes and reasons."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from matrix.disclosure import feedback_open_to_authors
from matrix.models import FeedbackRelease, MatrixCell
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
        MatrixCell.objects.filter(version_id__in=version_ids)
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
