"""The pages each role reaches from the service navigation and the home page."""

from dataclasses import dataclass

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.roles import is_admin, is_reviewer


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
    candidates = []
    if is_reviewer(user):
        candidates.append(
            ("usecases:my_reviews", _("My reviews"), _("Use cases you are asked to review, and your reviews."))
        )
    # Asks the rules alone: Django's own permission tables say nothing about inviting, and skipping
    # them keeps the navigation to three small queries on every page.
    if rules.has_perm("audiences.invite_people", user):
        candidates.append(
            ("audiences:invitation_new", _("Invite someone"), _("Invite a reviewer or lead to join an organisation."))
        )
    if is_admin(user):
        candidates.append(
            ("admin:index", _("Manage the portal"), _("Audiences, organisations, principles, people and rounds."))
        )
    links = []
    for name, label, description in candidates:
        url = reverse(name)
        links.append(NavigationLink(label, description, url, current=request.path.startswith(url)))
    return links
