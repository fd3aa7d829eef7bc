""" "You said, we did": the authors answer each "does not meet" reason of a version, once the round's
feedback is open to them (docs/authors.md, "You said, we did"). One transaction, the verdict's row
locked, an audit row; a save that started from an older answer is refused, so two authors answering
at once never overwrite each other unseen."""

import rules
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bold_portal.models import audit
from bold_portal.text import grouped
from matrix.disclosure import feedback_open_to_authors
from matrix.models import RESPONSE_TEXT_MAX, FeedbackRelease, ReasonResponse
from reviews.models import Review, Verdict

CONFLICT = gettext_lazy(
    "Another author answered this reason since you opened the page. Their answer is shown below: change it "
    "if you need to."
)


class ResponseConflict(Exception):
    """The answer changed since the form was opened."""


def answerable(verdict: Verdict) -> bool:
    """A "does not meet" verdict of a submitted review whose round's feedback is open to authors."""
    review = verdict.review
    review_round = review.round
    released = FeedbackRelease.objects.filter(round=review_round).exists()
    return (
        verdict.verdict == Verdict.Choice.DOES_NOT_MEET
        and review.status == Review.Status.SUBMITTED
        and feedback_open_to_authors(review_round, released=released)
    )


def reason_respond(*, verdict_id: int, kind: str, text: str, expected_revision: int, actor) -> ReasonResponse:
    """Save the authors' answer to one reason: what changed (kind "changed"), or why nothing did
    ("not_changed"). expected_revision is the answer's revision the page showed (0: none yet)."""
    text = (text or "").strip()
    problems = {}
    if kind not in ReasonResponse.Kind.values:
        problems["kind"] = _("Choose whether you changed the use case")
    if not text:
        problems["text"] = _("Say what changed, or why you did not change it")
    elif len(text) > RESPONSE_TEXT_MAX:
        problems["text"] = _("Your answer must be %(limit)s characters or fewer. It has %(count)s.") % {
            "limit": grouped(RESPONSE_TEXT_MAX),
            "count": grouped(len(text)),
        }
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        verdict = (
            Verdict.objects.select_for_update(of=("self",))
            .select_related("review__round", "review__version__use_case__audience")
            .get(pk=verdict_id)
        )
        if not rules.has_perm("usecases.write_use_case", actor, verdict.review.version.use_case):
            raise ValidationError(_("You cannot answer reasons about this use case."))
        if not answerable(verdict):
            raise ValidationError(
                _('Only a submitted "does not meet" reason can be answered, once authors can read it.')
            )
        response = ReasonResponse.objects.filter(verdict=verdict).first()
        if (response.revision if response else 0) != expected_revision:
            raise ResponseConflict
        before = {"kind": response.kind, "text": response.text} if response else {}
        if response is None:
            response = ReasonResponse(verdict=verdict, kind=kind, text=text, answered_by=actor, revision=1)
        else:
            response.kind, response.text, response.answered_by = kind, text, actor
            response.answered_at = timezone.now()
            response.revision += 1
        response.full_clean(exclude=["verdict", "answered_by"])
        response.save()
        audit(
            actor=actor,
            action="reason_answered",
            obj=verdict.review,
            before=before,
            after={"kind": kind, "text": text},
            verdict=verdict.pk,
            principle=verdict.principle_id,
            revision=response.revision,
        )
    return response
