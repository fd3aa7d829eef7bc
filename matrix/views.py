"""Matrix pages. The reviewer's summary of one use case joins the reviewer pages (reviews) with
the stored matrix cells, so it lives here, in the highest app it reads."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from matrix import selectors as matrix_selectors
from reviews import selectors
from reviews.views import target_context, visible_target


@require_GET
def version_summary(request, round_slug: str, use_case_slug: str, number: int):
    """What reviewers said about one use case version: its cells and the others' reasons,
    pseudonymised, once the reviewer may see them (blind rounds: after submitting)."""
    target = visible_target(request, round_slug, use_case_slug, number)
    own = selectors.own_review(user=request.user, target=target)
    context = target_context(request, target, own)
    if not context["can_view_aggregate"]:
        return render(request, "matrix/version_summary_unavailable.html", context, status=403)
    summary = matrix_selectors.version_summary(review_round=target.round, version_id=target.version.pk)
    reasons = selectors.other_reasons(target=target, exclude_review=own)
    own_verdicts = selectors.verdicts_by_principle(own)
    context["summary"] = summary
    context["rows"] = [
        {
            "principle": principle,
            "cell": summary.cells.get(principle.pk) if summary else None,
            "reasons": reasons.get(principle.pk, []),
            "own": own_verdicts.get(principle.pk),
        }
        for principle in selectors.round_principles(target.round)
    ]
    return render(request, "matrix/version_summary.html", context)
