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
from bold_portal.roles import is_admin
from reviews.forms.interests import InterestForm, OverrideForm, WithdrawForm
from reviews.models import DeclaredInterest
from reviews.selectors import interests as selectors
from reviews.services import interests as services
from reviews.views.organisations import led_organisation
from reviews.views.rounds import admin_only, posted_data


def _confirmation(request, form, organisation, use_case, status=200):
    removals = list(selectors.assignments_removed_by_declaring(organisation, use_case))
    return render(
        request,
        "reviews/interest_confirm.html",
        {
            "form": form,
            "organisation": organisation,
            "use_case": use_case,
            "reason": form.cleaned_data["reason"],
            "with_organisation": "organisation" in form.fields,
            "removals": removals,
            "expected": ",".join(str(assignment.pk) for assignment in removals),
        },
        status=status,
    )


def _declare(request, form, organisation=None):
    """The answer to a posted declaration: first a page listing what it takes away, asking to
    confirm; once confirmed, the declaration made and a redirect to back. None: show the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    data = form.cleaned_data
    organisation = data.get("organisation") or organisation
    if not data["confirmed"]:
        if selectors.standing_interest_exists(organisation, data["use_case"]):
            form.add_error("use_case", _("This organisation has already declared an interest in this use case."))
            return None
        return _confirmation(request, form, organisation, data["use_case"])
    try:
        services.interest_declare(
            actor=request.user,
            organisation=organisation,
            use_case=data["use_case"],
            reason=data["reason"],
            expected_removals=data["expected"],
        )
    except ValidationError as error:  # taken away something else by now, or declared already: check again
        add_errors(form, error)
        return _confirmation(request, form, organisation, data["use_case"], status=409)
    messages.success(
        request,
        _(
            "Interest declared. The organisation will not be given this use case to review, "
            "and the people affected are told."
        ),
    )
    return True


@require_http_methods(["GET", "POST"])
def organisation_interests(request, organisation_slug: str):
    """An organisation's declared interests, and a form to declare one: its leads and admins."""
    organisation = led_organisation(request, organisation_slug)
    form = InterestForm(posted_data(request), with_organisation=False)
    answer = _declare(request, form, organisation)
    if answer is True:
        return redirect("reviews:organisation_interests", organisation.slug)
    if answer is not None:
        return answer
    page = paginate(selectors.organisation_interests(organisation), request.GET.get("page"))
    return render(
        request,
        "reviews/organisation_interests.html",
        {"organisation": organisation, "form": form, "page": page, "pagination": pagination(request, page)},
    )


def _withdraw_page(request, interest: DeclaredInterest, back: str):
    """Withdraw a declaration. Once its organisation's reviews were counted in a closed round,
    only an admin may, with a reason; a lead reads who can act instead. Offers to give back the
    assignments declaring took away, where they can be."""
    if interest.withdrawn_at:
        raise Http404
    counted = selectors.interest_counted(interest)
    allowed = not counted or is_admin(request.user)
    restorable = bool(services.restorable_assignments(interest))
    form = WithdrawForm(posted_data(request), reason_needed=counted, restorable=restorable)
    if request.method == "POST" and allowed and form.is_valid():
        try:
            services.interest_withdraw(
                interest=interest,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
                restore=form.cleaned_data.get("restore", False),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Declaration withdrawn."))
            return redirect(back)
    return render(
        request,
        "reviews/interest_withdraw.html",
        {
            "interest": interest,
            "back": back,
            "form": form,
            "counted": counted,
            "allowed": allowed,
            "restorable": restorable,
        },
        status=403 if request.method == "POST" and not allowed else 200,
    )


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
    answer = _declare(request, form)
    if answer is True:
        return redirect("interests:list")
    if answer is not None:
        return answer
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
    standing = not (interest.withdrawn_at or interest.overridden_at)
    restorable = standing and bool(services.restorable_assignments(interest))
    form = OverrideForm(posted_data(request), restorable=restorable) if standing else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.interest_override(
                    interest=interest,
                    reason=form.cleaned_data["override_reason"],
                    actor=request.user,
                    restore=form.cleaned_data.get("restore", False),
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
