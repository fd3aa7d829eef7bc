"""Reviewers' questions to a use case's authors and the answers to them (docs/reviewer-journey.md,
"Asking the authors a question"; docs/authors.md, "Questions from reviewers"). Each change runs in
one transaction, reads the round under its shared lock (as a review's save does, so closing the
round waits for it and nothing is asked or answered after the close), writes an audit row and
queues its emails in the outbox."""

import rules
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bold_portal.models import audit
from bold_portal.text import grouped
from principles.models import Principle
from reviews.models import QUESTION_TEXT_MAX, Question, QuestionAnswer, ReviewRound
from reviews.question_emails import question_answered_email, question_arrived_email
from reviews.selectors.reviews import ReviewTarget
from reviews.services.rounds import round_read_shared
from usecases.models import UseCaseVersion


def _sign_in_detail(signed_in_with: str) -> dict:
    return {"signed_in_with": signed_in_with} if signed_in_with else {}


def _open_target(review_round: ReviewRound, version: UseCaseVersion, action: str) -> ReviewTarget:
    """The round, read under its shared lock, with the version; refused unless the round is open."""
    review_round = round_read_shared(review_round.pk)
    if not review_round.is_open:
        raise ValidationError(_("The round has closed, so questions can no longer be %(action)s.") % {"action": action})
    return ReviewTarget(round=review_round, version=version)


def _checked_text(text: str, *, missing: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": missing})
    if len(text) > QUESTION_TEXT_MAX:
        raise ValidationError(
            {
                "text": _("%(what)s must be %(limit)s characters or fewer. It has %(count)s.")
                % {"what": what, "limit": grouped(QUESTION_TEXT_MAX), "count": grouped(len(text))}
            }
        )
    return text


def may_answer_as_author(user, question: Question) -> bool:
    """The authors of the use case's audience, and programme admins, answer for the use case."""
    return rules.has_perm("usecases.write_use_case", user, question.version.use_case)


def question_ask(
    *,
    review_round: ReviewRound,
    version: UseCaseVersion,
    principle: Principle,
    text: str,
    actor,
    signed_in_with: str = "",
) -> Question:
    """A reviewer asks the authors a question about one principle of the version they review. The
    authors of its audience are emailed; the question shows beside the principle on the review form
    of the reviewer, and of the version's other reviewers (in a blind round, once they submit)."""
    with transaction.atomic():
        target = _open_target(review_round, version, _("asked"))
        if not rules.has_perm("reviews.ask_question", actor, target):
            raise ValidationError(_("You cannot ask questions about this use case."))
        if not target.round.principles.filter(pk=principle.pk).exists():
            raise ValidationError({"principle": _("Choose a principle of this round.")})
        text = _checked_text(text, missing=_("Enter your question"), what=_("A question"))
        question = Question(round=target.round, version=version, principle=principle, asked_by=actor, text=text)
        question.full_clean(exclude=["round", "version", "principle", "asked_by"])
        question.save()
        audit(
            actor=actor,
            action="question_asked",
            obj=question,
            after={"text": text},
            round=target.round.pk,
            version=version.pk,
            principle=principle.pk,
            **_sign_in_detail(signed_in_with),
        )
        question_arrived_email(question)
    return question


def question_answer(*, question: Question, text: str, actor, signed_in_with: str = "") -> QuestionAnswer:
    """Answer a question: as the use case's authors (an author of its audience, or a programme
    admin), or as another reviewer of the version who may read it. The person who asked is emailed."""
    with transaction.atomic():
        target = _open_target(question.round, question.version, _("answered"))
        if may_answer_as_author(actor, question):
            side = QuestionAnswer.Side.AUTHOR
        elif rules.has_perm("reviews.ask_question", actor, target) and (
            question.asked_by_id == actor.pk or rules.has_perm("reviews.see_others_questions", actor, target)
        ):
            side = QuestionAnswer.Side.REVIEWER
        else:
            raise ValidationError(_("You cannot answer questions about this use case."))
        text = _checked_text(text, missing=_("Enter your answer"), what=_("An answer"))
        answer = QuestionAnswer(question=question, answered_by=actor, side=side, text=text)
        answer.full_clean(exclude=["question", "answered_by"])
        answer.save()
        audit(
            actor=actor,
            action="question_answered",
            obj=question,
            after={"text": text, "side": side},
            answer=answer.pk,
            **_sign_in_detail(signed_in_with),
        )
        question_answered_email(answer)
    return answer
