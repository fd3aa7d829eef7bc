"""The admins' pages for the programme's decisions on a closed round's use cases, under
/manage/rounds/<round>/decisions/. Reads through reviews.selectors.decisions, changes through
reviews.services.decisions."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bold_portal.forms import attempt
from reviews.forms.decisions import ConditionMetForm, DecisionForm
from reviews.models import DecisionCondition, ReviewRound, RoundVersion
from reviews.selectors import decisions as selectors
from reviews.services import decisions as services
from reviews.views.rounds import admin_only, posted_data, round_or_404
from usecases.models import UseCaseVersion


@require_GET
@admin_only
def round_decisions(request, round_slug: str):
    review_round = round_or_404(round_slug)
    return render(
        request,
        "rounds/decisions.html",
        {
            "review_round": review_round,
            "rows": selectors.round_decision_rows(review_round),
            "is_closed": review_round.status == ReviewRound.Status.CLOSED,
        },
    )


def _round_version_or_404(review_round: ReviewRound, version_id: int) -> RoundVersion:
    return get_object_or_404(
        RoundVersion.objects.select_related("version__use_case__audience"), round=review_round, version_id=version_id
    )


@require_http_methods(["GET", "POST"])
@admin_only
def decision(request, round_slug: str, version_id: int):
    """The decision on one use case: the form before one is recorded (closed rounds only), then the
    decision and its conditions."""
    review_round = round_or_404(round_slug)
    version = _round_version_or_404(review_round, version_id).version
    recorded = selectors.decision_for(review_round=review_round, version=version)
    context = {"review_round": review_round, "version": version, "decision": recorded}
    if recorded is not None or review_round.status != ReviewRound.Status.CLOSED:
        return render(request, "rounds/decision.html", context)
    form = DecisionForm(posted_data(request), review_round=review_round)
    if request.method == "POST" and form.is_valid():
        made = attempt(
            form,
            lambda: services.decision_record(
                review_round=review_round,
                version=version,
                outcome=form.cleaned_data["outcome"],
                reasons=form.cleaned_data["reasons"],
                conditions=form.conditions(),
                actor=request.user,
            ),
        )
        if made is not None:
            messages.success(request, _("The decision has been recorded, and the organisations that reviewed it told."))
            return redirect("rounds:decision", review_round.slug, version.pk)
    return render(request, "rounds/decision_form.html", {**context, "form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@admin_only
def decision_condition_met(request, round_slug: str, version_id: int, condition_id: int):
    """Check a condition off against a later version of the use case."""
    review_round = round_or_404(round_slug)
    version = _round_version_or_404(review_round, version_id).version
    recorded = selectors.decision_for(review_round=review_round, version=version)
    if recorded is None:
        raise Http404
    condition = get_object_or_404(
        DecisionCondition.objects.select_related("principle"), pk=condition_id, decision=recorded
    )
    later = UseCaseVersion.objects.filter(pk__in=[v.pk for v in selectors.later_versions(recorded)]).order_by("number")
    form = ConditionMetForm(posted_data(request), versions=later)
    context = {
        "review_round": review_round,
        "version": version,
        "decision": recorded,
        "condition": condition,
        "form": form,
        "show_form": bool(later) and not condition.is_met,
    }
    if not context["show_form"]:
        return render(request, "rounds/decision_condition_met.html", context)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            form,
            lambda: services.decision_condition_check_off(
                condition=condition, met_in_version=form.cleaned_data["version"], actor=request.user
            ),
        )
        if done is not None:
            messages.success(request, _("The condition has been checked off."))
            return redirect("rounds:decision", review_round.slug, version.pk)
    return render(request, "rounds/decision_condition_met.html", context, status=400 if form.errors else 200)
