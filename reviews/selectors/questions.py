"""Reads of reviewers' questions to the authors and their answers (docs/reviewer-journey.md,
"Asking the authors a question"; docs/authors.md, "Questions from reviewers"). Reviewers are named
as the summary pages name them ("Reviewer 2", numbered within the use case version by
reviews.selectors.reviews.review_pseudonyms); never by name, email or organisation. Each read costs
the same number of queries whatever the number of questions and answers."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from reviews.models import Question, QuestionAnswer, Review, ReviewRound
from reviews.selectors.reviews import ReviewTarget, review_pseudonyms
from usecases.models import UseCaseVersion


@dataclass(frozen=True)
class AnswerItem:
    who: str
    text: str
    answered_at: datetime.datetime
    by_authors: bool
    is_own: bool


@dataclass(frozen=True)
class QuestionItem:
    pk: int
    round_id: int
    principle_id: int
    principle_name: str
    asker: str
    text: str
    asked_at: datetime.datetime
    is_own: bool
    answers: tuple[AnswerItem, ...]

    @property
    def answered_by_authors(self) -> bool:
        return any(answer.by_authors for answer in self.answers)


def reviewer_names(review_round: ReviewRound, version_id: int) -> dict[int, str]:
    """ "Reviewer N" for each person with a review of the version in the round, by person id, as the
    summary pages number them. Two queries."""
    numbers = review_pseudonyms(review_round, [version_id])
    reviews = Review.objects.filter(round=review_round, version_id=version_id).values_list("pk", "reviewer_id")
    return {reviewer_id: _("Reviewer %(number)s") % {"number": numbers[pk]} for pk, reviewer_id in reviews}


def _questions(rounds_and_versions: Q):
    return (
        Question.objects.filter(rounds_and_versions)
        .select_related("principle")
        .prefetch_related(Prefetch("answers", queryset=QuestionAnswer.objects.order_by("answered_at", "pk")))
        .order_by("principle__order", "asked_at", "pk")
    )


def _item(question: Question, names: dict[int, str], viewer_id: int | None) -> QuestionItem:
    def who(person_id: int) -> str:
        return _("You") if person_id == viewer_id else names.get(person_id, _("A reviewer"))

    return QuestionItem(
        pk=question.pk,
        round_id=question.round_id,
        principle_id=question.principle_id,
        principle_name=question.principle.name,
        asker=who(question.asked_by_id),
        text=question.text,
        asked_at=question.asked_at,
        is_own=question.asked_by_id == viewer_id,
        answers=tuple(
            AnswerItem(
                who=(
                    _("The use case's authors")
                    if answer.side == QuestionAnswer.Side.AUTHOR
                    else who(answer.answered_by_id)
                ),
                text=answer.text,
                answered_at=answer.answered_at,
                by_authors=answer.side == QuestionAnswer.Side.AUTHOR,
                is_own=answer.answered_by_id == viewer_id,
            )
            for answer in question.answers.all()
        ),
    )


def target_questions(*, target: ReviewTarget, user, others: bool) -> dict[int, list[QuestionItem]]:
    """The questions about the version in the round that this reviewer may read, by principle id:
    their own, and (others True) everyone's. One query with none asked, four with any."""
    questions = _questions(Q(round=target.round, version=target.version))
    if not others:
        questions = questions.filter(asked_by=user)
    questions = list(questions)
    names = reviewer_names(target.round, target.version.pk) if questions else {}
    grouped: dict[int, list[QuestionItem]] = {}
    for question in questions:
        grouped.setdefault(question.principle_id, []).append(_item(question, names, user.pk))
    return grouped


def visible_question(*, target: ReviewTarget, user, question_id: int, others: bool) -> Question | None:
    """The question, if it is about the target and this reviewer may read it; else None."""
    questions = Question.objects.filter(pk=question_id, round=target.round, version=target.version)
    if not others:
        questions = questions.filter(asked_by=user)
    return questions.select_related("principle", "round", "version__use_case__audience").first()


def question_item(question: Question, *, user) -> QuestionItem:
    """One question with its answers, named for this person."""
    question = _questions(Q(pk=question.pk)).get()
    return _item(question, reviewer_names(question.round, question.version_id), user.pk)


@dataclass(frozen=True)
class RoundQuestions:
    round: ReviewRound
    questions: list[QuestionItem]

    @property
    def waiting(self) -> int:
        return sum(not question.answered_by_authors for question in self.questions)


def version_questions(version: UseCaseVersion, *, user) -> list[RoundQuestions]:
    """Every question about the version, by round (newest round first), for its authors: reviewers
    named as on the summary pages. Three queries and two per round."""
    questions = list(_questions(Q(version=version)).select_related("round"))
    by_round: dict[int, RoundQuestions] = {}
    names: dict[int, dict[int, str]] = {}
    for question in questions:
        if question.round_id not in by_round:
            by_round[question.round_id] = RoundQuestions(round=question.round, questions=[])
            names[question.round_id] = reviewer_names(question.round, version.pk)
        by_round[question.round_id].questions.append(_item(question, names[question.round_id], user.pk))
    return sorted(by_round.values(), key=lambda entry: entry.round.created_at, reverse=True)


def waiting_question_counts(version_ids) -> dict[int, int]:
    """How many questions about each version no author has answered yet, by version id. One query."""
    rows = (
        Question.objects.filter(version_id__in=list(version_ids))
        .exclude(answers__side=QuestionAnswer.Side.AUTHOR)
        .values("version_id")
        .annotate(waiting=Count("pk"))
    )
    return {row["version_id"]: row["waiting"] for row in rows}
