"""The app's entries in the service navigation: the reviewer and organisation-lead pages for
reviewers; and, for programme admins alone, the round and declared interest pages, which are on the
admin home too."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audiences.models import Membership
from bold_portal.navigation import Link, register, register_manage_section
from bold_portal.roles import is_admin, memberships_of


@register(order=100)
def reviewer_links(request) -> list[Link]:
    # The memberships the role checks read too: "is a reviewer" (any) and the organisations led.
    memberships = memberships_of(request.user)
    if not memberships:
        return []
    links = [
        Link(reverse("reviews:my_reviews"), _("My reviews"), _("Use cases you are asked to review, and your reviews."))
    ]
    led = [m.organisation for m in memberships if m.role == Membership.Role.LEAD]
    for organisation in led:
        label = (
            _("Your organisation's reviews")
            if len(led) == 1
            else _("Reviews at %(organisation)s") % {"organisation": organisation.name}
        )
        links.append(
            Link(
                reverse("reviews:organisation_reviews", args=[organisation.slug]),
                label,
                _("How your colleagues are getting on with their reviews, and who is in your organisation."),
            )
        )
    return links


@register(order=800)
def round_admin_links(request) -> list[Link]:
    if not is_admin(request.user):
        return []
    return [
        Link(
            reverse("rounds:list"),
            _("Review rounds (manage)"),
            _("Create rounds, choose use cases, give them to organisations, open, follow and close rounds."),
        )
    ]


@register_manage_section(order=300)
def round_admin_section(request) -> list[Link]:
    return round_admin_links(request)


@register_manage_section(order=310)
def interest_admin_section(request) -> list[Link]:
    if not is_admin(request.user):
        return []
    return [
        Link(
            reverse("interests:list"),
            _("Declared interests"),
            _("Organisations' declared interests in use cases: record one, override one with a reason."),
        )
    ]
