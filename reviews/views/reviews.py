"""The reviewer's pages (docs/reviewer-journey.md): their list, a use case in a round, the review
form, submitting and withdrawing. Reads come from reviews.selectors.reviews, changes go through
reviews.services.reviews, and who may see or do what is decided by the rules in reviews/rules.py.
URLs name a use case version in a round, never a review: a reviewer's review is always looked up as
their own."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from bold_portal.pagination import pagination
from reviews import link_sessions
from reviews.forms.reviews import LockForm, error_summary_items, review_forms
from reviews.models import Review, cancellable_by
from reviews.selectors import my_reviews as my_reviews_selectors
from reviews.selectors import questions as question_selectors
from reviews.selectors import reviews as selectors
from reviews.selectors.carry import previous_reviewed_number
from reviews.selectors.requests import latest_request
from reviews.services.kept_posts import (
    SHOWN_FIELD,
    keep_token_make,
    kept_post_data,
    kept_post_discard,
    kept_post_for,
    kept_post_keep,
    kept_post_saved,
)
from reviews.services.requests import may_request
from reviews.services.reviews import (
    ReviewBusy,
    ReviewConflict,
    RoundNotOpen,
    review_save,
    review_submit_saved,
    review_withdraw,
)
from reviews.services.round_dates import round_dates_apply_on_read

# Shown when a save or withdrawal started from an out-of-date page (another tab saved first).
CONFLICT_MESSAGE = gettext_lazy(
    "This review was changed in another tab or window since you opened it. Your changes have not been saved. "
    "Copy anything you need, then reload the page to see the latest version."
)
# Shown when the database gave up on a save because many were made at the same moment. Answered
# with 409 as a conflict is, not a 5xx, which a proxy in front of the portal might replace with a
# page of its own: the reviewer's answers must come back with the message.
BUSY_MESSAGE = gettext_lazy(
    "Many changes were being saved at the same moment, so yours has not been saved. Nothing has changed. "
    "Try again in a moment."
)
# Shown on "check your answers" when the draft was saved again elsewhere after the page opened.
CONFLICT_CHECK_AGAIN = gettext_lazy(
    "Your review was changed in another tab or window since you opened this page, so it has not been submitted. "
    "Check the answers below, which are the latest, then submit them."
)


def visible_target(request, round_slug: str, use_case_slug: str, number: int) -> selectors.ReviewTarget:
    """The version in the round, if the user may see it; a 404 otherwise, so that nobody learns
    which use cases exist in rounds they take no part in."""
    target = selectors.review_target(round_slug=round_slug, use_case_slug=use_case_slug, number=number)
    if target is not None:
        status = target.round.status
        if round_dates_apply_on_read(target.round).status != status:  # opened or closed on its date just now
            target = selectors.review_target(round_slug=round_slug, use_case_slug=use_case_slug, number=number)
    if target is None or not rules.has_perm("reviews.view_review_target", request.user, target):
        raise Http404
    return target


def target_context(request, target: selectors.ReviewTarget, review: Review | None) -> dict:
    return {
        "review_round": target.round,
        "version": target.version,
        "review": review,
        "due_on": target.due_on_for(request.user),
        "is_reviewer": bool(target.assignments_for(request.user)),
        "has_declined": target.has_declined(request.user),
        "can_view_aggregate": rules.has_perm("reviews.view_aggregate", request.user, target),
    }


@require_GET
def my_reviews(request):
    # A personal link's session lists that round's reviews only. Each round is paged on its own:
    # ?round=<slug>&page=N turns that round's page, the declined list has declined_page.
    shown = my_reviews_selectors.my_reviews(
        request.user,
        round_id=link_sessions.round_id(request),
        shown_round=request.GET.get("round", ""),
        page=my_reviews_selectors.page_number(request.GET.get("page")),
        declined_page=my_reviews_selectors.page_number(request.GET.get("declined_page")),
    )
    open_rounds = [
        (
            group,
            pagination(
                request,
                group.page,
                label=_("Pages of %(round)s") % {"round": group.round.name},
                also={"round": group.round.slug},
                anchor=f"round-{group.round.slug}",
            ),
        )
        for group in shown.open_rounds
    ]
    declined_pagination = pagination(
        request, shown.declined_page, param="declined_page", label=_("Pages of declined use cases"), anchor="declined"
    )
    return render(
        request,
        "reviews/my_reviews.html",
        {"my_reviews": shown, "open_rounds": open_rounds, "declined_pagination": declined_pagination},
    )


@require_GET
def use_case(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    review = selectors.own_review(user=request.user, target=target)
    context = target_context(request, target, review)
    context["review_status"] = review.status if review else "not_started"
    context["can_write"] = rules.has_perm("reviews.write_review", request.user, target)
    context.update(_request_context(request, target))
    return render(request, "reviews/use_case.html", context)


def _request_context(request, target: selectors.ReviewTarget) -> dict:
    """What the use case page says about declining, more time and a declared interest."""
    assignment = target.request_assignment_for(request.user)
    latest = latest_request(assignment)
    can_ask = assignment is not None and target.round.is_open and not (latest and latest.is_open)
    return {
        "may_cancel_request": bool(target.round.is_open and latest and cancellable_by(latest, request.user)),
        "interest": target.blocking_interest_for(request.user),
        "latest_request": latest,
        "request_assignment": assignment,
        "may_decline": can_ask and may_request(user=request.user, assignment=assignment, kind="decline"),
        "may_ask_more_time": can_ask
        and assignment.due_on is not None
        and may_request(user=request.user, assignment=assignment, kind="more_time"),
    }


def _read_only(request, target, review, *, status: int = 200):
    """The review as saved, without a form: for closed rounds and for admins. Refused POSTs
    land here with a 403."""
    principles = selectors.round_principles(target.round)
    saved = selectors.verdicts_by_principle(review)
    others, questions = _questions_by_principle(request, target)
    context = target_context(request, target, review)
    context["answers"] = [
        {"principle": p, "verdict": saved.get(p.pk), "questions": questions.get(p.pk, [])} for p in principles
    ]
    context.update(others_questions_visible=others, show_questions=True)
    return render(request, "reviews/review_read_only.html", context, status=status)


def _questions_by_principle(request, target) -> tuple[bool, dict]:
    """Whether this person may read other reviewers' questions (in a blind round, only once they have
    submitted), and the questions they may read by principle id: their own, and others' if so."""
    others = rules.has_perm("reviews.see_others_questions", request.user, target)
    return others, question_selectors.target_questions(target=target, user=request.user, others=others)


def _declared_interest(request, target, interest):
    """The reviewer's organisation declared an interest in the use case: a clear page, not a form."""
    context = target_context(request, target, None)
    context["interest"] = interest
    return render(request, "reviews/review_declared_interest.html", context, status=403)


def _review_page(
    request, target, review, verdict_forms, overall_form, *, problem: str = "", status: int = 200, kept=None
):
    context = target_context(request, target, review)
    # Questions to the authors beside each principle: the reviewer's own, and others' where they may read them.
    others, questions = _questions_by_principle(request, target)
    for form in verdict_forms:
        form.questions = questions.get(form.principle.pk, [])
    context.update(
        others_questions_visible=others,
        # After "Save as draft" under a principle, the page comes back there and says so.
        saved_principle=request.GET.get("saved", ""),
        verdict_forms=verdict_forms,
        overall_form=overall_form,
        is_submitted=review is not None and review.status == Review.Status.SUBMITTED,
        errors=error_summary_items([*verdict_forms, overall_form]),
        problem=problem,
        kept=kept,
        # Lets a post refused for an ended session be kept for this person (reviews.services.kept_posts).
        keep_token=keep_token_make(person_id=request.user.pk, round_id=target.round.pk, version_id=target.version.pk),
        # What changed since the version the reviewer last reviewed, else since the version before.
        reviewed_number=previous_reviewed_number(reviewer=request.user, version=target.version),
    )
    return render(request, "reviews/review_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def review(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    # Once the round has closed, reading back a review written before a declaration stays possible.
    if target.round.is_open and (interest := target.blocking_interest_for(request.user)):
        return _declared_interest(request, target, interest)
    if not rules.has_perm("reviews.write_review", request.user, target):
        return _read_only(request, target, own, status=403 if request.method == "POST" else 200)
    principles = selectors.round_principles(target.round)
    review_keys = {"person": request.user, "round_id": target.round.pk, "version_id": target.version.pk}
    action = request.POST.get("action")
    if request.method != "POST":
        # What this person typed when a save was refused (their session had ended) comes back first.
        kept = kept_post_for(**review_keys)
        data = kept_post_data(kept) if kept else None
        verdict_forms, overall_form = review_forms(principles=principles, review=own, version=target.version, data=data)
        return _review_page(request, target, own, verdict_forms, overall_form, kept=kept)
    if action == "discard_kept":
        kept_post_discard(**review_keys)
        messages.success(request, _("The text that was kept has been removed. This is your saved review."))
        return redirect("reviews:review", round_slug, use_case_slug, number)

    verdict_forms, overall_form = review_forms(
        principles=principles, review=own, version=target.version, data=request.POST
    )
    # "save:<principle>" is the Save as draft button under that principle.
    action, _colon, at_principle = action.partition(":") if action else ("", "", "")
    submit = action == "submit"
    check = submit or action == "check"
    # Every form is checked (a list, not a generator), so all errors show at once.
    checks = [f.check_for_submission() if check else f.is_valid() for f in [*verdict_forms, overall_form]]
    if not all(checks):
        return _review_page(request, target, own, verdict_forms, overall_form)

    was_submitted = own is not None and own.status == Review.Status.SUBMITTED
    try:
        review_save(
            reviewer=request.user,
            review_round=target.round,
            version=target.version,
            verdicts=[f.verdict_input() for f in verdict_forms],
            overall_comment=overall_form.cleaned_data["overall_comment"],
            expected_lock_version=overall_form.cleaned_data["lock_version"],
            submit=submit,
            organisation=target.organisation_for(request.user),
            signed_in_with=link_sessions.signed_in_with(request),
            round_principles=principles,
        )
    except ReviewConflict:
        # Nothing was saved. What was typed is kept, to be compared with what was saved first.
        if kept_post_keep(post=request.POST):
            return redirect("reviews:review_conflict", round_slug, use_case_slug, number)
        return _review_page(request, target, own, verdict_forms, overall_form, problem=CONFLICT_MESSAGE, status=409)
    except ReviewBusy:
        return _review_page(request, target, own, verdict_forms, overall_form, problem=BUSY_MESSAGE, status=409)
    except RoundNotOpen:
        target.round.refresh_from_db()
        return _read_only(request, target, own, status=403)
    except ValidationError as error:
        problem = " ".join(error.messages)
        return _review_page(request, target, own, verdict_forms, overall_form, problem=problem)

    kept_post_saved(**review_keys, shown=request.POST.get(SHOWN_FIELD, ""))
    if action == "leave":
        messages.success(request, _("Your draft has been saved"))
        return redirect("reviews:use_case", round_slug, use_case_slug, number)
    if action == "check":
        return redirect("reviews:review_check", round_slug, use_case_slug, number)
    if action == "ask" and at_principle in {p.slug for p in principles}:
        # "Save as draft and ask the authors a question" under a principle.
        return redirect("reviews:question_ask", round_slug, use_case_slug, number, at_principle)
    if at_principle in {p.slug for p in principles}:
        messages.success(request, _("Your draft has been saved"))
        url = reverse("reviews:review", args=[round_slug, use_case_slug, number])
        return redirect(f"{url}?saved={at_principle}#save-{at_principle}")
    if submit and not was_submitted:
        return redirect("reviews:review_submitted", round_slug, use_case_slug, number)
    messages.success(request, _("Your review has been updated") if submit else _("Your draft has been saved"))
    return redirect("reviews:review", round_slug, use_case_slug, number)


@require_http_methods(["GET", "POST"])
def review_check(request, round_slug: str, use_case_slug: str, number: int):
    """Check your answers: the saved draft, each answer with a link back to change it, and the
    button that submits it."""
    target = visible_target(request, round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    if not rules.has_perm("reviews.write_review", request.user, target):
        return _read_only(request, target, own, status=403 if request.method == "POST" else 200)
    if own is None or own.status == Review.Status.SUBMITTED:
        return redirect("reviews:review", round_slug, use_case_slug, number)
    lock_form = LockForm(request.POST or None, initial={"lock_version": own.lock_version})
    if request.method == "POST":
        try:
            if not lock_form.is_valid():
                raise ReviewConflict
            review_submit_saved(
                review=own,
                reviewer=request.user,
                expected_lock_version=lock_form.cleaned_data["lock_version"],
                signed_in_with=link_sessions.signed_in_with(request),
            )
        except (ReviewConflict, ReviewBusy) as error:
            # Show what is saved now, to be checked again.
            own = selectors.own_review(user=request.user, target=target)
            lock_form = LockForm(initial={"lock_version": own.lock_version})
            problem = CONFLICT_CHECK_AGAIN if isinstance(error, ReviewConflict) else BUSY_MESSAGE
            return _check_page(request, target, own, lock_form, problem=problem, status=409)
        except RoundNotOpen:
            target.round.refresh_from_db()
            return _read_only(request, target, own, status=403)
        except ValidationError as error:
            return _check_page(request, target, own, lock_form, problems=error.messages)
        return redirect("reviews:review_submitted", round_slug, use_case_slug, number)
    return _check_page(request, target, own, lock_form)


def _check_page(request, target, review, lock_form, *, problem="", problems=(), status=200):
    saved = selectors.verdicts_by_principle(review)
    context = target_context(request, target, review)
    context.update(
        answers=[{"principle": p, "verdict": saved.get(p.pk)} for p in selectors.round_principles(target.round)],
        change_url=reverse(
            "reviews:review", args=[target.round.slug, target.version.use_case.slug, target.version.number]
        ),
        lock_form=lock_form,
        problem=problem,
        # What stops the draft being submitted; each is changed on the form.
        linked_messages=problems,
        messages_anchor="answers",
    )
    return render(request, "reviews/review_check.html", context, status=status)


@require_GET
def review_submitted(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    if own is None or own.status != Review.Status.SUBMITTED:
        return redirect("reviews:review", round_slug, use_case_slug, number)
    return render(request, "reviews/review_submitted.html", target_context(request, target, own))


@require_http_methods(["GET", "POST"])
def review_withdraw_confirm(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    if not rules.has_perm("reviews.write_review", request.user, target):
        return _read_only(request, target, own, status=403 if request.method == "POST" else 200)
    if own is None or own.status != Review.Status.SUBMITTED:
        return redirect("reviews:review", round_slug, use_case_slug, number)

    lock_form = LockForm(request.POST or None, initial={"lock_version": own.lock_version})
    context = target_context(request, target, own)
    context["lock_form"] = lock_form
    if request.method != "POST":
        return render(request, "reviews/review_withdraw.html", context)
    try:
        if not lock_form.is_valid():
            raise ReviewConflict
        review_withdraw(
            review=own,
            actor=request.user,
            expected_lock_version=lock_form.cleaned_data["lock_version"],
            signed_in_with=link_sessions.signed_in_with(request),
        )
    except ReviewConflict:
        context["problem"] = CONFLICT_MESSAGE
        return render(request, "reviews/review_withdraw.html", context, status=409)
    except ReviewBusy:
        context["problem"] = BUSY_MESSAGE
        return render(request, "reviews/review_withdraw.html", context, status=409)
    except RoundNotOpen:
        target.round.refresh_from_db()
        return _read_only(request, target, own, status=403)
    messages.success(request, _("Your review has been withdrawn. It no longer counts."))
    return redirect("reviews:review", round_slug, use_case_slug, number)
