""" "You said, we did": the "does not meet" reasons of a version that its authors may answer (those of
submitted reviews in rounds whose feedback is open to them: closed, or released early), with the
answers; the counts per version that analysts read. Reviewers are named by their number within the
version and round (reviews.selectors.reviews.review_pseudonyms), never by name or organisation."""

from dataclasses import dataclass

from django.db.models import Count, Q

from matrix.models import ReasonResponse
from principles.models import Principle
from reviews.models import Review, ReviewRound, Verdict
from usecases.models import UseCaseVersion


@dataclass(frozen=True)
class ReasonItem:
    verdict_id: int
    version_id: int
    round: ReviewRound
    principle: Principle
    pseudonym: int
    reason: str
    response: ReasonResponse | None


def answerable_reasons() -> Q:
    """Verdicts the authors may answer, as a filter on Verdict: "does not meet", in a submitted
    review, in a round that has closed or whose feedback was released (matrix.disclosure)."""
    return Q(verdict=Verdict.Choice.DOES_NOT_MEET, review__status=Review.Status.SUBMITTED) & (
        Q(review__round__status=ReviewRound.Status.CLOSED)
        | Q(review__round__status=ReviewRound.Status.OPEN, review__round__feedback_release__isnull=False)
    )


def _pseudonyms(pairs: set[tuple[int, int]]) -> dict[int, int]:
    """Each review of these (round id, version id) pairs, numbered within its round and version as
    reviews.selectors.reviews.review_pseudonyms numbers them (every review, in the order started),
    by review id. One query, whatever the number of pairs."""
    numbers: dict[int, int] = {}
    counters: dict[tuple[int, int], int] = {}
    reviews = Review.objects.filter(
        round_id__in={round_id for round_id, _ in pairs}, version_id__in={version_id for _, version_id in pairs}
    ).order_by("round_id", "version_id", "pk")
    for pk, round_id, version_id in reviews.values_list("pk", "round_id", "version_id"):
        counters[round_id, version_id] = numbers[pk] = counters.get((round_id, version_id), 0) + 1
    return numbers


def _reasons(verdicts) -> list[ReasonItem]:
    verdicts = list(
        verdicts.select_related("review__round", "principle", "response").order_by(
            "review__version_id", "-review__round__created_at", "principle__order", "review_id"
        )
    )
    pairs = {(verdict.review.round_id, verdict.review.version_id) for verdict in verdicts}
    numbers = _pseudonyms(pairs) if verdicts else {}
    return [
        ReasonItem(
            verdict_id=verdict.pk,
            version_id=verdict.review.version_id,
            round=verdict.review.round,
            principle=verdict.principle,
            pseudonym=numbers[verdict.review_id],
            reason=verdict.reason,
            response=getattr(verdict, "response", None),
        )
        for verdict in verdicts
    ]


def version_reasons(version: UseCaseVersion) -> list[ReasonItem]:
    """The version's answerable reasons, by round (newest first) and principle, with their answers.
    Two queries, whatever the number of rounds and reasons."""
    return _reasons(Verdict.objects.filter(answerable_reasons(), review__version=version))


def version_reason(version: UseCaseVersion, verdict_id: int) -> ReasonItem | None:
    """One answerable reason of the version; None if there is no such reason."""
    return next((item for item in version_reasons(version) if item.verdict_id == verdict_id), None)


@dataclass(frozen=True)
class VersionResponses:
    version_id: int
    use_case_slug: str
    number: int
    title: str
    audience: str
    reasons: int
    unanswered: int


def responses_by_version() -> list[VersionResponses]:
    """Per use case version with answerable reasons: how many, and how many no author has answered
    yet, the most unanswered first. One query."""
    rows = (
        Verdict.objects.filter(answerable_reasons())
        .values(
            "review__version_id",
            "review__version__use_case__slug",
            "review__version__number",
            "review__version__title",
            "review__version__use_case__audience__name",
        )
        .annotate(reasons=Count("pk"), unanswered=Count("pk", filter=Q(response__isnull=True)))
        .order_by("-unanswered", "review__version__use_case__audience__name", "review__version__title")
    )
    return [
        VersionResponses(
            version_id=row["review__version_id"],
            use_case_slug=row["review__version__use_case__slug"],
            number=row["review__version__number"],
            title=row["review__version__title"],
            audience=row["review__version__use_case__audience__name"],
            reasons=row["reasons"],
            unanswered=row["unanswered"],
        )
        for row in rows
    ]


def unanswered_reasons(version_ids) -> dict[int, list[ReasonItem]]:
    """The reasons still unanswered of these versions, by version id (for the analysts' list). Two
    queries, whatever the number of versions."""
    grouped: dict[int, list[ReasonItem]] = {}
    verdicts = Verdict.objects.filter(
        answerable_reasons(), review__version_id__in=list(version_ids), response__isnull=True
    )
    for item in _reasons(verdicts):
        grouped.setdefault(item.version_id, []).append(item)
    return grouped


def reviewed_by(user, use_case) -> bool:
    """The person, or an organisation they belong to, submitted a review of a version of the use
    case in a round that has closed: the organisations that reviewed read the authors' answers."""
    if not user.is_authenticated:
        return False
    return Review.objects.filter(
        Q(reviewer=user) | Q(organisation__memberships__user=user),
        version__use_case=use_case,
        status=Review.Status.SUBMITTED,
        round__status=ReviewRound.Status.CLOSED,
    ).exists()


def next_version_number(version: UseCaseVersion) -> int | None:
    """The number of the use case's next published version, if there is one. One query."""
    return (
        UseCaseVersion.objects.filter(use_case_id=version.use_case_id, number__gt=version.number)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
