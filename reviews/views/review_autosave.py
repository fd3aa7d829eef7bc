"""What the review form's script (static/js/review-form.js) asks of the server: saving a draft by
itself while the reviewer types, and how long the session has left, or more of it. Answers are
JSON for the script; without JavaScript none of this is used and the form works as it is."""

import rules
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reviews import link_sessions
from reviews.forms.reviews import error_summary_items, review_forms
from reviews.models import Review
from reviews.selectors import reviews as selectors
from reviews.services.kept_posts import SHOWN_FIELD, kept_post_keep, kept_post_saved
from reviews.services.reviews import ReviewBusy, ReviewConflict, RoundNotOpen, review_save
from reviews.views.reviews import BUSY_MESSAGE, visible_target


def _refused(message, status: int) -> JsonResponse:
    return JsonResponse({"message": str(message)}, status=status)


@require_POST
def review_autosave(request, round_slug: str, use_case_slug: str, number: int):
    """Save the form as a draft, as Save as draft does, and answer with the review's new lock
    version, which the script puts into its own form so that its next save does not conflict with
    this one. A save from another tab's older form still conflicts: its text is kept, and the
    answer names the page that compares the two versions."""
    target = visible_target(request, round_slug, use_case_slug, number)
    if target.blocking_interest_for(request.user) or not rules.has_perm("reviews.write_review", request.user, target):
        return _refused(_("This review cannot be changed."), 403)
    own = selectors.own_review(user=request.user, target=target)
    if own is not None and own.status == Review.Status.SUBMITTED:
        return _refused(_("A submitted review is not saved automatically: use Update review."), 400)
    verdict_forms, overall_form = review_forms(
        principles=selectors.round_principles(target.round), review=own, version=target.version, data=request.POST
    )
    if not all(form.is_valid() for form in [*verdict_forms, overall_form]):
        problems = [message for _anchor, message in error_summary_items([*verdict_forms, overall_form])]
        return _refused(_("Your draft could not be saved automatically: %s") % " ".join(problems), 400)
    try:
        review = review_save(
            reviewer=request.user,
            review_round=target.round,
            version=target.version,
            verdicts=[form.verdict_input() for form in verdict_forms],
            overall_comment=overall_form.cleaned_data["overall_comment"],
            expected_lock_version=overall_form.cleaned_data["lock_version"],
            submit=False,
            organisation=target.organisation_for(request.user),
            signed_in_with=link_sessions.signed_in_with(request),
        )
    except ReviewConflict:
        kept_post_keep(post=request.POST)
        conflict_url = reverse("reviews:review_conflict", args=[round_slug, use_case_slug, number])
        return JsonResponse({"conflict_url": conflict_url}, status=409)
    except ReviewBusy:
        return _refused(BUSY_MESSAGE, 409)
    except RoundNotOpen:
        return _refused(_("This round has closed. You can no longer change your review."), 403)
    except ValidationError as error:
        return _refused(" ".join(error.messages), 400)
    kept_post_saved(
        person=request.user,
        round_id=target.round.pk,
        version_id=target.version.pk,
        shown=request.POST.get(SHOWN_FIELD, ""),
    )
    return JsonResponse(
        {
            "lock_version": review.lock_version,
            "saved_at": time_format(timezone.localtime(review.updated_at), "g:iA").lower(),
        }
    )


@require_http_methods(["GET", "POST"])
def session_time(request):
    """Seconds left before the session ends (GET), or a fresh SESSION_COOKIE_AGE of them (POST:
    "Stay signed in" in the timeout warning). Session bookkeeping, not a change to anything the
    portal records, so no audit row."""
    if request.method == "POST":
        request.session.modified = True  # saved again by the session middleware, with a new expiry
        return JsonResponse({"seconds_left": settings.SESSION_COOKIE_AGE})
    expires = (
        Session.objects.filter(session_key=request.session.session_key).values_list("expire_date", flat=True).first()
    )
    seconds_left = max(0, int((expires - timezone.now()).total_seconds())) if expires else 0
    return JsonResponse({"seconds_left": seconds_left})
