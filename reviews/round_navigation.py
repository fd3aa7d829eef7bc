"""The round administration pages' entries in the service navigation and on the admin home:
programme admins only."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register, register_manage_section
from bold_portal.roles import is_admin


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
