"""The admins' register pages, under /manage/register/: what may be published, the preview before
publishing (the page exactly as the public will read it), and withdrawing with a reason."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bold_portal.access import admin_only
from bold_portal.forms import attempt
from register.forms import WithdrawForm
from register.selectors import decision_to_publish, entry_by_slug, entry_snapshot, publishable_decisions
from register.services import register_entry_publish, register_entry_withdraw


@require_GET
@admin_only
def register_manage(request):
    return render(request, "register/manage.html", {"rows": publishable_decisions()})


@require_http_methods(["GET", "POST"])
@admin_only
def register_preview(request, decision_id: int):
    """GET: the page as it would be published now. POST: publish it."""
    decision = decision_to_publish(decision_id)
    if decision is None:
        raise Http404
    problem = ""
    if request.method == "POST":
        try:
            entry = register_entry_publish(decision=decision, actor=request.user)
        except ValidationError as error:  # shown on the preview; nothing is published
            problem = " ".join(error.messages)
        else:
            messages.success(request, _("%(title)s is on the public register.") % {"title": entry.snapshot["title"]})
            return redirect("register:entry", entry.use_case.slug)
    return render(
        request,
        "register/preview.html",
        {"snapshot": entry_snapshot(decision), "decision": decision, "problem": problem},
        status=400 if problem else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_only
def register_withdraw(request, use_case_slug: str):
    entry = entry_by_slug(use_case_slug)
    if entry is None:
        raise Http404
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if entry.is_published and request.method == "POST" and form.is_valid():
        done = attempt(
            form, lambda: register_entry_withdraw(entry=entry, reason=form.cleaned_data["reason"], actor=request.user)
        )
        if done is not None:
            messages.success(request, _("The use case has been withdrawn from the public register."))
            return redirect("register:manage")
    return render(request, "register/withdraw.html", {"entry": entry, "form": form}, status=400 if form.errors else 200)
