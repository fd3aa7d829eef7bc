"""The admins' link to the public register's management page, on the admin home."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register_manage_section
from bold_portal.roles import is_admin


@register_manage_section(order=320)
def register_admin_section(request) -> list[Link]:
    if not is_admin(request.user):
        return []
    return [
        Link(
            reverse("register:manage"),
            _("Public register"),
            _("Preview and publish use cases the programme decided to go ahead with; withdraw one with a reason."),
        )
    ]
