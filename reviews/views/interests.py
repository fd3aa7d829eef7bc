"""Declared interests (docs/declined-and-interests.md): an organisation's leads declare its
interests and withdraw them; programme admins do so for any organisation and alone override a
declaration. Thin: reads come from reviews.selectors.interests, changes go through
reviews.services.interests. Anyone else gets a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bold_portal.forms import add_errors
from bold_portal.pagination import paginate, pagination
from reviews.forms.interests import InterestForm, OverrideForm
from reviews.models import DeclaredInterest
from reviews.selectors import interests as selectors
from reviews.services import interests as services
from reviews.views.organisations import led_organisation
from reviews.views.rounds import admin_only, posted_data


def _declare(request, form, organisation=None):
    """Declare the interest the form holds; True when done."""
    if request.method != "POST" or not form.is_valid():
        return False
    data = {**form.cleaned_data}
    data.setdefault("organisation", organisation)
    try:
        services.interest_declare(actor=request.user, **data)
    except ValidationError as error:
        add_errors(form, error)
        return False
    messages.success(request, _("Interest declared. The organisation will not be given this use case to review."))
    return True


@require_http_methods(["GET", "POST"])
def organisation_interests(request, organisation_slug: str):
    """An organisation's declared interests, and a form to declare one: its leads and admins."""
    organisation = led_organisation(request, organisation_slug)
    form = InterestForm(posted_data(request), with_organisation=False)
    if _declare(request, form, organisation):
        return redirect("reviews:organisation_interests", organisation.slug)
    page = paginate(selectors.organisation_interests(organisation), request.GET.get("page"))
    return render(
        request,
        "reviews/organisation_interests.html",
        {"organisation": organisation, "form": form, "page": page, "pagination": pagination(request, page)},
    )


def _withdraw_page(request, interest: DeclaredInterest, back: str):
    if interest.withdrawn_at:
        raise Http404
    if request.method == "POST":
        services.interest_withdraw(interest=interest, actor=request.user)
        messages.success(request, _("Declaration withdrawn."))
        return redirect(back)
    return render(request, "reviews/interest_withdraw.html", {"interest": interest, "back": back})


@require_http_methods(["GET", "POST"])
def organisation_interest_withdraw(request, organisation_slug: str, interest_id: int):
    organisation = led_organisation(request, organisation_slug)
    interest = selectors.organisation_interests(organisation).filter(pk=interest_id).first()
    if interest is None:
        raise Http404
    return _withdraw_page(request, interest, reverse("reviews:organisation_interests", args=[organisation.slug]))


@require_http_methods(["GET", "POST"])
@admin_only
def interest_list(request):
    """Every declared interest, standing ones first, and a form to declare one for any organisation."""
    form = InterestForm(posted_data(request), with_organisation=True)
    if _declare(request, form):
        return redirect("interests:list")
    page = paginate(selectors.interests(), request.GET.get("page"), per_page=selectors.INTERESTS_PER_PAGE)
    return render(
        request,
        "reviews/interest_list.html",
        {"form": form, "page": page, "pagination": pagination(request, page)},
    )


def _interest(interest_id: int) -> DeclaredInterest:
    interest = selectors.interests().filter(pk=interest_id).first()
    if interest is None:
        raise Http404
    return interest


@require_http_methods(["GET", "POST"])
@admin_only
def interest_detail(request, interest_id: int):
    """One declaration, and the admin's override (with a reason) while it stands."""
    interest = _interest(interest_id)
    form = OverrideForm(posted_data(request)) if not (interest.withdrawn_at or interest.overridden_at) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.interest_override(
                    interest=interest, reason=form.cleaned_data["override_reason"], actor=request.user
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Declaration overridden. The organisation may now be given the use case."))
                return redirect("interests:detail", interest.pk)
    return render(
        request,
        "reviews/interest_detail.html",
        {"interest": interest, "form": form},
    )


@require_http_methods(["GET", "POST"])
@admin_only
def interest_withdraw(request, interest_id: int):
    return _withdraw_page(request, _interest(interest_id), reverse("interests:list"))
