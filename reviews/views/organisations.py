"""An organisation's reviews, for its leads (docs/reviewer-journey.md, "Your organisation's
reviews"): how members are getting on in open rounds, and a reminder to one of them. Thin: reads
come from reviews.selectors.organisations and reviews.selectors.not_submitted. Anyone but the
organisation's leads and programme admins gets a 404."""

import rules
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audiences.models import Organisation
from audiences.services.memberships import ReminderItem, member_remind
from bold_portal.forms import attempt
from bold_portal.pagination import paginate, pagination
from reviews.forms.chosen_reviewers import ChosenReviewersForm
from reviews.selectors import expected as expected_selectors
from reviews.selectors import not_submitted as pending
from reviews.selectors import organisations as selectors
from reviews.selectors.requests import REQUESTS_PER_PAGE, organisation_requests
from reviews.services.chosen_reviewers import assignment_reviewers_choose

VERSIONS_PER_PAGE = 20


def led_organisation(request, organisation_slug: str) -> Organisation:
    """The organisation in the address, for its leads and admins; a 404 for anyone else, so that
    nobody learns which organisations exist."""
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None or not rules.has_perm("reviews.view_organisation_reviews", request.user, organisation):
        raise Http404
    return organisation


@require_GET
def organisation_reviews(request, organisation_slug: str):
    """An organisation's progress in open rounds, for its leads, with who has not submitted."""
    organisation = led_organisation(request, organisation_slug)
    overview = selectors.organisation_overview(organisation)
    # One round at a time (the one closing first unless another is chosen), its use cases paged in SQL.
    shown_round = next((r for r in overview.rounds if r.slug == request.GET.get("round")), None)
    shown_round = shown_round or (overview.rounds[0] if overview.rounds else None)
    versions = paginate(
        selectors.RoundVersions(
            organisation,
            shown_round.slug,
            overview.people,
            stored_round_id=shown_round.pk if shown_round.counts_stored else None,
        )
        if shown_round
        else [],
        request.GET.get("page"),
        per_page=VERSIONS_PER_PAGE,
    )
    requests = paginate(
        organisation_requests(organisation),
        request.GET.get("requests_page"),
        per_page=REQUESTS_PER_PAGE,
    )
    return render(
        request,
        "reviews/organisation_reviews.html",
        {
            "overview": overview,
            "organisation": organisation,
            "not_submitted": pending.not_submitted_counts(organisation, overview.people, overview.rounds),
            "shown_round": shown_round,
            "versions_page": versions,
            "versions_pagination": pagination(request, versions),
            "requests_page": requests,
            "requests_pagination": pagination(request, requests, param="requests_page"),
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_remind(request, organisation_slug: str):
    """Remind one member of what they have not submitted in open rounds: a page to confirm (what
    the email lists, when they were last reminded), then the email. One a person a day."""
    organisation = led_organisation(request, organisation_slug)
    back = reverse("reviews:organisation_reviews", args=[organisation.slug]) + "#not-submitted"
    chosen = request.POST.get("member", "") if request.method == "POST" else request.GET.get("member", "")
    person = pending.member_not_submitted(organisation, int(chosen)) if chosen.isdigit() else None
    if person is None:
        messages.error(request, _("That person has nothing left to submit, so no reminder was sent."))
        return redirect(back)
    if request.method == "GET":
        return render(
            request,
            "reviews/organisation_remind.html",
            {"organisation": organisation, "person": person, "back": back},
        )
    member = organisation.memberships.select_related("user").get(user_id=person.user_id).user
    items = [
        ReminderItem(text=text, url=settings.PORTAL_URL + path if path else "")
        for text, path in zip(person.items, person.paths, strict=True)
    ]
    try:
        member_remind(organisation=organisation, user=member, items=items, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Reminder sent to %(name)s.") % {"name": person.name})
    return redirect(back)


@require_http_methods(["GET", "POST"])
def organisation_assignment_reviewers(request, organisation_slug: str, assignment_id: int):
    """A lead chooses which members review one of the organisation's assignments."""
    organisation = led_organisation(request, organisation_slug)
    assignment = expected_selectors.led_assignment(organisation, assignment_id)
    if assignment is None:
        raise Http404
    members = expected_selectors.choosable_members(assignment)
    back = reverse("reviews:organisation_reviews", args=[organisation.slug])
    back += f"?round={assignment.round.slug}#round"
    form = ChosenReviewersForm(
        request.POST if request.method == "POST" else None,
        members=members,
        initial={"members": expected_selectors.expected_members(assignment)},
    )
    if request.method == "POST" and form.is_valid():
        saved = attempt(
            form,
            lambda: assignment_reviewers_choose(
                assignment=assignment, memberships=list(form.cleaned_data["members"]), actor=request.user
            ),
        )
        if saved is not None:
            messages.success(request, _("Saved who reviews %(title)s.") % {"title": assignment.version.title})
            return redirect(back)
    return render(
        request,
        "reviews/organisation_assignment_reviewers.html",
        {
            "organisation": organisation,
            "assignment": assignment,
            "form": form,
            "chosen": expected_selectors.reviewers_chosen(assignment),
            "back": back,
        },
        status=400 if form.errors else 200,
    )
