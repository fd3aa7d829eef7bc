"""The authors' pages that read the matrix: their home (their audiences' use cases, each version's
state and outcome) and one version with what reviewers said, once the round's feedback is open
to them (matrix.disclosure.feedback_open_to_authors). Programme admins see every use case and may
release a round's feedback before it closes."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bold_portal.roles import is_admin, is_analyst, is_author
from matrix.selectors.authors import author_use_cases, author_version, round_feedback, versions_outcomes
from matrix.selectors.cells import round_principles, version_cells
from matrix.selectors.responses import reviewed_by, version_reasons
from matrix.services.feedback import feedback_release
from reviews.models import ReviewRound
from reviews.selectors.decisions import version_decisions
from reviews.selectors.questions import waiting_question_counts
from usecases.diff import versions_diff
from usecases.forms import VersionPairForm
from usecases.models import UseCase, UseCaseVersion
from usecases.readiness import version_readiness
from usecases.selectors import writable_use_case


@require_GET
def use_cases(request):
    if not (is_author(request.user) or is_admin(request.user)):
        raise Http404
    context = {
        "use_cases": author_use_cases(request.user),
        "may_start": rules.has_perm("usecases.start_use_case", request.user),
    }
    return render(request, "matrix/author_use_cases.html", context)


def _version(request, use_case_slug: str, number: int) -> UseCaseVersion:
    use_case = writable_use_case(request.user, use_case_slug)
    return get_object_or_404(
        UseCaseVersion.objects.select_related("use_case__audience"), use_case=use_case, number=number
    )


@require_GET
def version(request, use_case_slug: str, number: int):
    """The version as reviewers read it, then per round its state and, when open, its feedback."""
    chosen = _version(request, use_case_slug, number)
    entry = author_version(chosen)
    decisions = {decision.round_version.round_id: decision for decision in version_decisions(chosen)}
    rounds = [
        {
            "entry": in_round,
            "decision": decisions.get(in_round.round.pk),
            "rows": round_feedback(
                in_round,
                chosen,
                round_principles(in_round.round),
                version_cells(round_id=in_round.round.pk, version_id=chosen.pk),
            )
            if in_round.feedback_open
            else None,
        }
        for in_round in entry.rounds
    ]
    context = {
        "version": chosen,
        "author_version": entry,
        "rounds": rounds,
        "may_release": is_admin(request.user),
        "readiness": version_readiness([chosen])[chosen.pk],
        "waiting_questions": waiting_question_counts([chosen.pk]).get(chosen.pk, 0),
        "reasons": version_reasons(chosen),
    }
    return render(request, "matrix/author_version.html", context)


def release(request, use_case_slug: str, number: int, round_slug: str):
    """A programme admin's button: authors may read the round's feedback now."""
    if not is_admin(request.user):
        raise Http404
    chosen = _version(request, use_case_slug, number)
    review_round = get_object_or_404(ReviewRound, slug=round_slug, versions=chosen)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        feedback_release(review_round=review_round, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Authors can now read what reviewers said in %(round)s.") % {"round": review_round.name}
        )
    return redirect("authors:version", chosen.use_case.slug, chosen.number)


@require_GET
def version_compare(request, use_case_slug: str):
    """Two versions side by side, word by word, with each principle's outcome in the rounds that
    reviewed them: for the use case's writers, and for analysts (who read every round's outcomes)."""
    use_case = get_object_or_404(UseCase.objects.select_related("audience"), slug=use_case_slug)
    analyst = is_analyst(request.user)
    # The organisations that reviewed read what came of their reasons ("you said, we did").
    if not (
        analyst
        or rules.has_perm("usecases.write_use_case", request.user, use_case)
        or reviewed_by(request.user, use_case)
    ):
        raise Http404
    versions = {version.number: version for version in use_case.versions.select_related("use_case__audience")}
    numbers = sorted(versions)
    if len(numbers) < 2:
        return render(
            request,
            "matrix/version_compare.html",
            {"use_case": use_case, "form": None, "from_use_cases": analyst or is_author(request.user)},
        )
    form = VersionPairForm(request.GET or {"earlier": numbers[-2], "later": numbers[-1]}, numbers=numbers)
    context = {"use_case": use_case, "form": form, "from_use_cases": analyst or is_author(request.user)}
    if form.is_valid():
        earlier, later = versions[form.cleaned_data["earlier"]], versions[form.cleaned_data["later"]]
        outcomes = versions_outcomes([earlier, later], every_round=analyst)
        context |= {
            "earlier": earlier,
            "later": later,
            "parts": versions_diff(earlier, later),
            "outcomes": [(earlier, outcomes[earlier.pk]), (later, outcomes[later.pk])],
            "reasons": version_reasons(earlier),
        }
    return render(request, "matrix/version_compare.html", context, status=200 if form.is_valid() else 400)
