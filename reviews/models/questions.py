"""Reviewers' questions to a use case's authors about one principle, and the answers (docs/reviewer-
journey.md, "Asking the authors a question"; docs/authors.md, "Questions from reviewers"). A
question belongs to a use case version in a round; the authors of the use case's audience answer it,
and so may other reviewers of the version. Questions and answers are kept as the record of the round,
as reviews are: people are switched off or erased, never deleted."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bold_portal.text import refuse_control_characters, text_limit

# A question or an answer: room for a considered paragraph or two, short enough to read beside a
# principle on the review form.
QUESTION_TEXT_MAX = 2_000


def _text(label) -> models.TextField:
    return models.TextField(label, validators=[MaxLengthValidator(QUESTION_TEXT_MAX), refuse_control_characters])


class Question(models.Model):
    """A reviewer's question to the authors about one principle of a use case version in a round."""

    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.PROTECT, related_name="questions")
    version = models.ForeignKey("usecases.UseCaseVersion", on_delete=models.PROTECT, related_name="questions")
    principle = models.ForeignKey("principles.Principle", on_delete=models.PROTECT, related_name="questions")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions_asked")
    text = _text(_("question"))
    asked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        verbose_name = _("question to the authors")
        verbose_name_plural = _("questions to the authors")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="question_has_text", violation_error_message=_("Enter your question.")
            ),
            text_limit("question", "text", QUESTION_TEXT_MAX, _("A question")),
        ]
        indexes = [models.Index(fields=["round", "version", "principle"], name="question_lookup_idx")]

    def __str__(self):
        return f"Question {self.pk} about {self.principle} of {self.version}"


class QuestionAnswer(models.Model):
    """An answer to a question: from the use case's authors (or a programme admin for them), or from
    another reviewer of the version."""

    class Side(models.TextChoices):
        AUTHOR = "author", _("The use case's authors")
        REVIEWER = "reviewer", _("A reviewer")

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="question_answers")
    side = models.CharField(_("answered by"), max_length=10, choices=Side.choices)
    text = _text(_("answer"))
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = _("answer to a question")
        verbose_name_plural = _("answers to questions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""), name="questionanswer_has_text", violation_error_message=_("Enter your answer.")
            ),
            models.CheckConstraint(
                condition=Q(side__in=["author", "reviewer"]),
                name="questionanswer_side_valid",
                violation_error_message=_("An answer comes from the authors or from a reviewer."),
            ),
            text_limit("questionanswer", "text", QUESTION_TEXT_MAX, _("An answer")),
        ]

    def __str__(self):
        return f"Answer {self.pk} to question {self.question_id}"
