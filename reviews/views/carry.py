"""What changed since a reviewer's review of an earlier version of a use case, and carrying their
verdicts forward for the principles whose sections did not change (docs/reviewer-journey.md, "A
new version of a use case you reviewed"). The words come from usecases.diff, the choices from
reviews.selectors.carry, the change from reviews.services.carry."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reviews import link_sessions
from reviews.forms.carry import CarryForm
from reviews.selectors import reviews as selectors
from reviews.selectors.carry import carry_choices, previous_review, previous_version
from reviews.services.carry import review_carry
from reviews.services.reviews import ReviewBusy, ReviewConflict, RoundNotOpen
from reviews.views.reviews import BUSY_MESSAGE, CONFLICT_MESSAGE, target_context, visible_target
from usecases.diff import versions_diff


@require_http_methods(["GET", "POST"])
def review_changes(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    version = target.version
    previous = previous_review(reviewer=request.user, version=version)
    earlier = previous.version if previous else previous_version(version)
    own = selectors.own_review(user=request.user, target=target)
    may_carry = (
        previous is not None
        and rules.has_perm("reviews.write_review", request.user, target)
        and target.blocking_interest_for(request.user) is None
    )
    principles = selectors.round_principles(target.round)
    choices = carry_choices(principles=principles, previous=previous, version=version, review=own) if previous else []
    form = CarryForm(
        request.POST or None,
        principles=principles,
        carryable=[choice.principle for choice in choices if choice.may_carry],
        initial={"lock_version": own.lock_version if own else 0},
    )
    context = target_context(request, target, own) | {
        "previous": previous,
        "earlier": earlier,
        "parts": versions_diff(earlier, version) if earlier else [],
        "choices": choices,
        "may_carry": may_carry,
        "form": form,
    }
    if request.method != "POST":
        return render(request, "reviews/review_changes.html", context)
    if not may_carry:
        context["problem"] = _("You cannot carry verdicts forward to this review.")
        return render(request, "reviews/review_changes.html", context, status=403)
    if not form.is_valid():
        # Every message of the form links to the choices (the lock's hidden field has no place of its own).
        context["errors"] = [("carry", error) for errors in form.errors.values() for error in errors]
        return render(request, "reviews/review_changes.html", context, status=400)
    try:
        review_carry(
            reviewer=request.user,
            review_round=target.round,
            version=version,
            principle_ids=form.principle_ids(),
            expected_lock_version=form.cleaned_data["lock_version"],
            organisation=target.organisation_for(request.user),
            signed_in_with=link_sessions.signed_in_with(request),
        )
    except (ReviewConflict, ReviewBusy) as error:
        context["problem"] = CONFLICT_MESSAGE if isinstance(error, ReviewConflict) else BUSY_MESSAGE
        return render(request, "reviews/review_changes.html", context, status=409)
    except RoundNotOpen:
        context["problem"] = _("The round has closed, so reviews can no longer change.")
        return render(request, "reviews/review_changes.html", context, status=403)
    except ValidationError as error:
        context["linked_messages"] = error.messages
        return render(request, "reviews/review_changes.html", context, status=400)
    names = [p.name for p in principles if p.slug in form.cleaned_data["principles"]]
    messages.success(
        request,
        _("Your verdicts on %(principles)s were carried forward from version %(number)s. Check them below.")
        % {"principles": ", ".join(names), "number": previous.version.number},
    )
    return redirect("reviews:review", round_slug, use_case_slug, number)
