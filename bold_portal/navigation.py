"""The pages each role reaches from the service navigation and the home page."""

from dataclasses import dataclass

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audiences.models import Membership
from bold_portal.roles import is_admin


@dataclass(frozen=True)
class NavigationLink:
    label: str
    description: str
    url: str
    current: bool


def navigation_links(request) -> list[NavigationLink]:
    user = request.user
    if not user.is_authenticated:
        return []
    # One query gives both "is a reviewer" (any membership) and the organisations the person leads.
    memberships = list(user.memberships.select_related("organisation").order_by("organisation__name"))
    led = [m.organisation for m in memberships if m.role == Membership.Role.LEAD]
    candidates = []
    if memberships:
        candidates.append(
            (reverse("usecases:my_reviews"), _("My reviews"), _("Use cases you are asked to review, and your reviews."))
        )
    for organisation in led:
        label = (
            _("Your organisation's reviews")
            if len(led) == 1
            else _("Reviews at %(organisation)s") % {"organisation": organisation.name}
        )
        candidates.append(
            (
                reverse("usecases:organisation_reviews", args=[organisation.slug]),
                label,
                _("How your colleagues are getting on with their reviews, and who is in your organisation."),
            )
        )
    # Asks the rules alone: Django's own permission tables say nothing about inviting, and skipping
    # them keeps the navigation to three small queries on every page.
    if rules.has_perm("audiences.invite_people", user):
        candidates.append(
            (
                reverse("audiences:invitation_new"),
                _("Invite someone"),
                _("Invite a reviewer or lead to join an organisation."),
            )
        )
    if is_admin(user):
        candidates.append(
            (
                reverse("admin:index"),
                _("Manage the portal"),
                _("Audiences, organisations, principles, people and rounds."),
            )
        )
    # The most specific link is the current one: /reviews/organisation/… is not "My reviews".
    current = max((url for url, *_text in candidates if request.path.startswith(url)), key=len, default=None)
    return [NavigationLink(label, description, url, current=url == current) for url, label, description in candidates]
