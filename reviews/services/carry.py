"""Carrying a reviewer's verdicts forward from their review of an earlier version of a use case to
the version in a round (docs/reviewer-journey.md, "A new version of a use case you reviewed"), for
the principles whose sections did not change. It is one save of the review through review_save, so
its checks, locks, conflicts and audit row are a save's: the other answers stay as saved, a draft
stays a draft and a submitted review is submitted again."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audiences.models import Organisation
from reviews.models import Review, ReviewRound
from reviews.selectors.carry import previous_review
from reviews.services.reviews import ReviewConflict, VerdictInput, review_save
from usecases.models import UseCaseVersion


def review_carry(
    *,
    reviewer,
    review_round: ReviewRound,
    version: UseCaseVersion,
    principle_ids: Sequence[int],
    expected_lock_version: int,
    organisation: Organisation | None = None,
    signed_in_with: str = "",
) -> Review:
    """Carry forward the reviewer's verdicts on these principles (ids) from their latest submitted
    review of an earlier version of the use case. Refused with a ValidationError naming the
    principle when none is chosen, when there is no earlier review or verdict, and (by
    review_save) when a principle's sections changed; ReviewConflict when the review was saved
    since the page was opened."""
    chosen = set(principle_ids)
    if not chosen:
        raise ValidationError(_("Choose at least one principle whose verdict you want to carry forward."))
    with transaction.atomic():
        previous = previous_review(reviewer=reviewer, version=version)
        if previous is None:
            raise ValidationError(
                _(
                    "You have not submitted a review of an earlier version of this use case, so there is nothing "
                    "to carry forward."
                )
            )
        principles = list(review_round.principles.all())
        if chosen - {p.pk for p in principles}:
            raise ValidationError(_("A principle was chosen that is not part of this round."))
        review = (
            Review.objects.filter(round=review_round, version=version, reviewer=reviewer)
            .prefetch_related("verdicts")
            .first()
        )
        if (review.lock_version if review else 0) != expected_lock_version:
            raise ReviewConflict
        saved = {v.principle_id: v for v in review.verdicts.all()} if review else {}
        earlier = {v.principle_id: v for v in previous.verdicts.all()}
        entries = []
        for principle in principles:
            if principle.pk in chosen:
                if principle.pk not in earlier or not earlier[principle.pk].verdict:
                    raise ValidationError(
                        {
                            principle.slug: _(
                                "You gave no verdict on %(principle)s for version %(number)s, so there is none "
                                "to carry forward."
                            )
                            % {"principle": principle.name, "number": previous.version.number}
                        }
                    )
                entries.append(VerdictInput(principle_id=principle.pk, carried_from_id=earlier[principle.pk].pk))
            elif row := saved.get(principle.pk):
                entries.append(
                    VerdictInput(
                        principle_id=principle.pk,
                        verdict=row.verdict,
                        reason=row.reason,
                        evidence=row.evidence,
                        suggested_rewording=row.suggested_rewording,
                    )
                )
        return review_save(
            reviewer=reviewer,
            review_round=review_round,
            version=version,
            verdicts=entries,
            overall_comment=review.overall_comment if review else "",
            expected_lock_version=expected_lock_version,
            submit=review is not None and review.status == Review.Status.SUBMITTED,
            organisation=organisation if review is None else review.organisation,
            signed_in_with=signed_in_with,
        )
