"""A way out of a conflict (docs/reviewer-journey.md, "Two tabs"): when another tab or device saved
the review first, what the reviewer posted is kept (reviews.services.kept_posts) and this page shows
both versions, part by part; the reviewer keeps theirs, the saved one, or a choice per principle,
which goes back into the form unsaved. Nothing is overwritten without that choice."""

import rules
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from reviews.forms.conflicts import ConflictChoiceForm
from reviews.forms.reviews import error_summary_items
from reviews.selectors import reviews as selectors
from reviews.selectors.conflicts import combined_data, review_differences
from reviews.services.kept_posts import kept_post_discard, kept_post_for, kept_post_replace
from reviews.views.reviews import target_context, visible_target

CHANGED_AGAIN = gettext_lazy(
    "The saved version changed again while you were choosing. Nothing has been overwritten: choose again below."
)


@require_http_methods(["GET", "POST"])
def review_conflict(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    review_keys = {"person": request.user, "round_id": target.round.pk, "version_id": target.version.pk}
    kept = kept_post_for(**review_keys)
    if kept is None or not rules.has_perm("reviews.write_review", request.user, target):
        return redirect("reviews:review", round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    current_lock = own.lock_version if own else 0
    differences = review_differences(
        principles=selectors.round_principles(target.round), review=own, kept_data=kept.data
    )
    action = request.POST.get("action")
    if action == "saved":
        kept_post_discard(**review_keys)
        messages.success(request, _("Your version has been removed. This is the saved review."))
        return redirect("reviews:review", round_slug, use_case_slug, number)

    form = ConflictChoiceForm(
        request.POST or None, differences=differences, initial={"saved_lock_version": current_lock}
    )
    problem = ""
    if request.method == "POST":
        if action == "yours":
            # Only the lock version is read: every part keeps the reviewer's own.
            form.fields = {"saved_lock_version": form.fields["saved_lock_version"]}
        if form.is_valid() and form.cleaned_data["saved_lock_version"] == current_lock:
            keep_yours = {d.key for d in differences} if action == "yours" else form.keep_yours()
            kept_post_replace(
                kept=kept,
                data=combined_data(differences=differences, keep_yours=keep_yours, lock_version=current_lock),
            )
            messages.info(request, _("Your choices are in the form. Check them, then save or submit your review."))
            return redirect("reviews:review", round_slug, use_case_slug, number)
        if form.is_valid() or "saved_lock_version" in form.errors:
            problem = CHANGED_AGAIN
            form = ConflictChoiceForm(differences=differences, initial={"saved_lock_version": current_lock})
    context = target_context(request, target, own)
    context.update(
        form=form,
        kept=kept,
        differences=differences,
        problem=problem,
        errors=error_summary_items([form]) if form.is_bound else [],
    )
    return render(request, "reviews/review_conflict.html", context, status=409 if problem else 200)
