""" "You said, we did" (docs/authors.md): the authors answer a version's "does not meet" reasons on a
page of their own; analysts see which are still unanswered. Reads come from matrix.selectors.
responses, the change goes through matrix.services.responses. The organisations that reviewed read
the answers beside the next version's diff (matrix.author_views.version_compare)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bold_portal.forms import add_errors
from matrix.forms import ReasonResponseForm
from matrix.selectors.responses import responses_by_version, unanswered_reasons, version_reason
from matrix.services.responses import CONFLICT, ResponseConflict, reason_respond
from matrix.views import analyst_only
from usecases.models import UseCaseVersion
from usecases.selectors import writable_use_case


@require_http_methods(["GET", "POST"])
def reason_response(request, use_case_slug: str, number: int, verdict_id: int):
    """The authors answer one "does not meet" reason of the version: what changed, or why not."""
    use_case = writable_use_case(request.user, use_case_slug)
    version = get_object_or_404(
        UseCaseVersion.objects.select_related("use_case__audience"), use_case=use_case, number=number
    )
    item = version_reason(version, verdict_id)
    if item is None:
        raise Http404
    saved = item.response
    initial = {"revision": saved.revision if saved else 0}
    if saved:
        initial |= {"kind": saved.kind, "text": saved.text}
    form = ReasonResponseForm(request.POST if request.method == "POST" else None, initial=initial)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            reason_respond(
                verdict_id=item.verdict_id,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                expected_revision=form.cleaned_data["revision"],
                actor=request.user,
            )
        except ResponseConflict:
            item = version_reason(version, verdict_id)
            problem = CONFLICT
            form = ReasonResponseForm(
                initial={"revision": item.response.revision, "kind": item.response.kind, "text": item.response.text}
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your answer is saved. The organisations that reviewed can read it."))
            return redirect(f"{_version_url(version)}#you-said-we-did")
    context = {"version": version, "item": item, "form": form, "problem": problem}
    return render(request, "matrix/reason_response.html", context, status=409 if problem else 200)


def _version_url(version: UseCaseVersion) -> str:
    return reverse("authors:version", args=[version.use_case.slug, version.number])


@require_GET
def reason_responses(request):
    """Analysts: per version, its answerable reasons and how many are still unanswered; then the
    list of those unanswered."""
    analyst_only(request)
    rows = responses_by_version()
    waiting = [row for row in rows if row.unanswered]
    lists = unanswered_reasons([row.version_id for row in waiting])
    return render(
        request,
        "matrix/reason_responses.html",
        {"rows": rows, "waiting": [(row, lists.get(row.version_id, [])) for row in waiting]},
    )
