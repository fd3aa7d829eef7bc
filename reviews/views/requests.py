"""Declining an assignment, asking for more time, and answering those requests
(docs/declined-and-interests.md). Thin: reads come from reviews.selectors.requests, changes go
through reviews.services.requests. Reviewers act on their own assignments; leads answer for their
own organisation; programme admins answer for everyone. Anyone else gets a 404."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from reviews.forms.requests import DeclineForm, MemberChoiceForm, MoreTimeDecisionForm, MoreTimeForm
from reviews.models import AssignmentRequest, cancellable_by
from reviews.selectors import requests as selectors
from reviews.services import requests as services
from reviews.services.assignments import assignment_reassign
from reviews.views.organisations import led_organisation
from reviews.views.reviews import target_context, visible_target
from reviews.views.rounds import admin_only, posted_data, round_or_404


def _own_request_page(request, round_slug, use_case_slug, number, *, kind: str):
    target = visible_target(request, round_slug, use_case_slug, number)
    assignment = target.request_assignment_for(request.user)
    if assignment is None or not services.may_request(user=request.user, assignment=assignment, kind=kind):
        raise Http404
    form_class = DeclineForm if kind == AssignmentRequest.Kind.DECLINE else MoreTimeForm
    form = form_class(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            if kind == AssignmentRequest.Kind.DECLINE:
                services.assignment_decline(assignment=assignment, actor=request.user, **form.cleaned_data)
                messages.success(request, _("You have declined %(title)s.") % {"title": target.version.title})
            else:
                services.assignment_more_time_request(assignment=assignment, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Your request for more time has been sent."))
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect("reviews:use_case", round_slug, use_case_slug, number)
    context = target_context(request, target, None)
    context.update(form=form, kind=kind, assignment=assignment)
    return render(request, "reviews/request_form.html", context)


@require_http_methods(["GET", "POST"])
def decline(request, round_slug: str, use_case_slug: str, number: int):
    return _own_request_page(request, round_slug, use_case_slug, number, kind=AssignmentRequest.Kind.DECLINE)


@require_http_methods(["GET", "POST"])
def more_time(request, round_slug: str, use_case_slug: str, number: int):
    return _own_request_page(request, round_slug, use_case_slug, number, kind=AssignmentRequest.Kind.MORE_TIME)


@require_http_methods(["GET", "POST"])
def more_time_cancel(request, round_slug: str, use_case_slug: str, number: int):
    """The person who asked for more time takes the request back (a page to confirm, then a POST).
    Anyone else, or a request already answered, gets a 404; one answered in the moment between this
    check and the service's lock is refused with the service's message (409)."""
    target = visible_target(request, round_slug, use_case_slug, number)
    pending = selectors.latest_request(target.request_assignment_for(request.user))
    if pending is None or not target.round.is_open or not cancellable_by(pending, request.user):
        raise Http404
    context = target_context(request, target, None)
    context["pending"] = pending
    if request.method == "POST":
        try:
            services.assignment_more_time_cancel(request=pending, actor=request.user)
        except ValidationError as error:
            context["problem"] = " ".join(error.messages)
            return render(request, "reviews/request_cancel.html", context, status=409)
        messages.success(request, _("Your request for more time has been cancelled. The due date stays as it was."))
        return redirect("reviews:use_case", round_slug, use_case_slug, number)
    return render(request, "reviews/request_cancel.html", context)


def _answer_page(request, answer: AssignmentRequest, *, back: str, organisation=None, may_answer: bool = True):
    """A request, and the form that answers it: grant or refuse more time; for a decline, a lead
    gives the use case to a member (an admin uses the round's reassign page)."""
    form = None
    if may_answer and answer.is_open and answer.kind == AssignmentRequest.Kind.MORE_TIME:
        form = MoreTimeDecisionForm(posted_data(request))
    elif may_answer and answer.is_open and organisation is not None:
        form = MemberChoiceForm(posted_data(request), organisation=organisation)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                if isinstance(form, MemberChoiceForm):
                    assignment_reassign(
                        assignment=answer.assignment, reviewer=form.cleaned_data["member"], actor=request.user
                    )
                    messages.success(request, _("The use case has been given to someone else."))
                elif form.cleaned_data["decision"] == "grant":
                    services.assignment_more_time_grant(
                        request=answer, note=form.cleaned_data["note"], actor=request.user
                    )
                    messages.success(request, _("More time given. The new due date is saved."))
                else:
                    services.assignment_more_time_refuse(
                        request=answer, note=form.cleaned_data["note"], actor=request.user
                    )
                    messages.success(request, _("Request refused. The due date stays as it was."))
            except ValidationError as error:
                add_errors(form, error)
            else:
                return redirect(back)
    return render(
        request,
        "reviews/request_answer.html",
        {
            "answer": answer,
            "form": form,
            "back": back,
            "organisation": organisation,
            "path": request.path,
            "may_answer": may_answer,
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_request(request, organisation_slug: str, request_id: int):
    """A lead answers a request about their organisation's (or a member's) assignment."""
    organisation = led_organisation(request, organisation_slug)
    answer = selectors.organisation_request(organisation, request_id)
    if answer is None:
        raise Http404
    back = reverse("reviews:organisation_reviews", args=[organisation.slug]) + "#requests"
    if not rules.has_perm("reviews.answer_request", request.user, answer):
        # A lead's own request (or a fellow lead's) is the programme team's to answer: shown, not answered.
        return _answer_page(request, answer, back=back, organisation=organisation, may_answer=False)
    return _answer_page(request, answer, back=back, organisation=organisation)


@require_http_methods(["GET", "POST"])
@admin_only
def round_request(request, round_slug: str, request_id: int):
    review_round = round_or_404(round_slug)
    answer = selectors.round_request(review_round, request_id)
    if answer is None:
        raise Http404
    return _answer_page(request, answer, back=reverse("rounds:progress", args=[review_round.slug]) + "#requests")
