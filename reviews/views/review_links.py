"""Personal review links (docs/sign-in-security.md, "Personal review links"): the page the emailed
link opens, and the pages where an organisation's leads and programme admins see, send and revoke
them. Reads come from reviews.selectors.review_links, changes go through reviews.services.review_links."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.limited_sign_in import limited_sign_in_scope
from bold_portal.access import admin_only
from reviews import link_sessions
from reviews.models import ReviewRound
from reviews.selectors import review_links as selectors
from reviews.services.review_links import (
    ReviewLinkRefused,
    review_link_attempt_allowed,
    review_link_for_token,
    review_link_open,
    review_link_revoke,
    review_link_send,
)
from reviews.views.organisations import led_organisation
from reviews.views.rounds import round_or_404


@login_not_required
@require_http_methods(["GET", "POST"])
def review_link(request, token: str):
    """A page with a button: mail scanners that open the link start nothing; pressing it starts
    a session for the person's reviews in the link's round."""
    if not review_link_attempt_allowed(ip_address=get_client_ip_address(request) or "", raw_token=token):
        context = {"minutes": settings.REVIEW_LINK_OPEN_WINDOW_MINUTES}
        return render(request, "reviews/review_link_too_many.html", context, status=429)
    try:
        link = review_link_for_token(token)
    except ReviewLinkRefused as refused:
        return render(request, "reviews/review_link_refused.html", {"reason": str(refused)}, status=410)
    if request.user.is_authenticated and request.user.pk != link.person_id:
        # Using it would sign this browser in as the link's person: say so, and offer to sign out first.
        return render(request, "reviews/review_link_someone_else.html", {"link": link})
    if request.method != "POST":
        return render(request, "reviews/review_link.html", {"link": link})
    if request.user.is_authenticated and limited_sign_in_scope(request) is None:
        return redirect("reviews:my_reviews")  # signed in with their password already: nothing to limit
    try:
        link = review_link_open(raw_token=token)
    except ReviewLinkRefused as refused:
        return render(request, "reviews/review_link_refused.html", {"reason": str(refused)}, status=410)
    link_sessions.link_session_start(request, link)
    return redirect("reviews:my_reviews")


def _entries(rows, url_for) -> list[dict]:
    """Each row with the addresses of its send and revoke pages; url_for(row, action) makes one."""
    return [{"row": row, "send_url": url_for(row, "send"), "revoke_url": url_for(row, "revoke")} for row in rows]


def _link_action(request, *, action: str, person, review_round: ReviewRound, back: str, caption: str):
    """The confirmation page of sending or revoking (GET), and doing it (POST)."""
    link = selectors.live_link(person, review_round)
    context = {
        "action": action,
        "person": person,
        "review_round": review_round,
        "link": link,
        "back": back,
        "caption": caption,
    }
    if action == "revoke" and link is None:
        messages.info(request, _("%(name)s has no live personal link for this round.") % {"name": person.full_name})
        return redirect(back)
    if request.method != "POST":
        return render(request, "reviews/review_link_confirm.html", context)
    try:
        if action == "send":
            review_link_send(person=person, review_round=review_round, actor=request.user)
            message = _("A personal link has been sent to %(email)s.") % {"email": person.email}
            if link is not None:
                message += " " + _("The link sent before no longer works.")
        else:
            review_link_revoke(link=link, actor=request.user)
            message = _("The personal link of %(name)s no longer works.") % {"name": person.full_name}
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
        return render(request, "reviews/review_link_confirm.html", context, status=400)
    messages.success(request, message)
    return redirect(back)


@require_GET
def organisation_review_links(request, organisation_slug: str):
    organisation = led_organisation(request, organisation_slug)
    context = {
        "organisation": organisation,
        "caption": organisation.name,
        "valid_days": settings.REVIEW_LINK_VALID_DAYS,
        "entries": _entries(
            selectors.organisation_link_rows(organisation),
            lambda row, action: reverse(
                f"reviews:organisation_review_link_{action}",
                args=[organisation.slug, row.review_round.slug, row.person.pk],
            ),
        ),
        "back": reverse("reviews:organisation_reviews", args=[organisation.slug]),
    }
    return render(request, "reviews/review_links.html", context)


@require_http_methods(["GET", "POST"])
def organisation_review_link(request, organisation_slug: str, round_slug: str, person_id: int, action: str):
    organisation = led_organisation(request, organisation_slug)
    person = get_object_or_404(selectors.link_holders().filter(memberships__organisation=organisation), pk=person_id)
    review_round = get_object_or_404(ReviewRound, slug=round_slug, status=ReviewRound.Status.OPEN)
    back = reverse("reviews:organisation_review_links", args=[organisation.slug])
    return _link_action(
        request, action=action, person=person, review_round=review_round, back=back, caption=organisation.name
    )


@admin_only
@require_GET
def round_review_links(request, round_slug: str):
    review_round = round_or_404(round_slug)
    context = {
        "review_round": review_round,
        "caption": review_round.name,
        "valid_days": settings.REVIEW_LINK_VALID_DAYS,
        "entries": _entries(
            selectors.round_link_rows(review_round),
            lambda row, action: reverse(f"rounds:review_link_{action}", args=[review_round.slug, row.person.pk]),
        ),
        "back": reverse("rounds:detail", args=[review_round.slug]),
    }
    return render(request, "reviews/review_links.html", context)


@admin_only
@require_http_methods(["GET", "POST"])
def round_review_link(request, round_slug: str, person_id: int, action: str):
    review_round = round_or_404(round_slug)
    person = get_object_or_404(selectors.round_link_holders(review_round).distinct(), pk=person_id)
    back = reverse("rounds:review_links", args=[review_round.slug])
    return _link_action(
        request, action=action, person=person, review_round=review_round, back=back, caption=review_round.name
    )
