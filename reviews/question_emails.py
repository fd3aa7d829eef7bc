"""Emails about reviewers' questions to the authors (docs/email.md): when a question arrives, to the
authors of the use case's audience; when it is answered, to the person who asked. Queued in the
outbox in the transaction that asks or answers, once per question or answer and person. Reviewers
are never named in them."""

from bold_portal.email import email_send_on_commit, portal_url
from reviews.models import Question, QuestionAnswer


def _context(question: Question, *, name: str, link: str) -> dict:
    version = question.version
    return {
        "name": name,
        "title": version.title,
        "number": version.number,
        "round": question.round.name,
        "principle": question.principle.name,
        "question": question.text,
        "link": link,
    }


def question_arrived_email(question: Question) -> None:
    """Tell each active author of the use case's audience that a question waits, with the page to
    answer it on."""
    version = question.version
    link = portal_url("authors:question_answer", version.use_case.slug, version.number, question.pk)
    for author in version.use_case.audience.authors.filter(is_active=True).order_by("email"):
        email_send_on_commit(
            template="reviews/email/question_arrived",
            kind="question_arrived",
            obj=question,
            to=[author.email],
            user=author,
            context=_context(question, name=author.get_full_name(), link=link),
        )


def question_answered_email(answer: QuestionAnswer) -> None:
    """Tell the person who asked that their question has an answer, with a link to the review form
    beside the principle. Not sent for an answer they wrote themselves."""
    question = answer.question
    person = question.asked_by
    if not person.is_active or answer.answered_by_id == person.pk:
        return
    version = question.version
    link = portal_url("reviews:review", question.round.slug, version.use_case.slug, version.number)
    email_send_on_commit(
        template="reviews/email/question_answered",
        kind="question_answered",
        obj=answer,
        to=[person.email],
        user=person,
        context={
            **_context(question, name=person.get_full_name(), link=f"{link}#principle-{question.principle.slug}"),
            "by_authors": answer.side == QuestionAnswer.Side.AUTHOR,
            "answer": answer.text,
        },
    )
