"""The invitation page and the admin pages of audiences, organisations and people in the service navigation."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register, register_manage_section


@register(order=500)
def invitation_link(request) -> list[Link]:
    # Asks the rules alone: Django's own permission tables say nothing about inviting.
    if not rules.has_perm("audiences.invite_people", request.user):
        return []
    return [
        Link(
            reverse("audiences:invitation_new"),
            _("Invite someone"),
            _("Invite a reviewer or lead to join an organisation."),
        )
    ]


@register_manage_section(order=100)
def manage_sections(request) -> list[Link]:
    if not rules.has_perm("audiences.manage_portal", request.user):
        return []
    return [
        Link(
            reverse("audiences:manage_audiences"),
            _("Audiences"),
            _("Add, rename, reorder and archive the audiences use cases are written for."),
        ),
        Link(
            reverse("audiences:manage_organisations"),
            _("Organisations"),
            _("Add organisations and choose the audiences they serve; see their members."),
        ),
        Link(
            reverse("audiences:manage_people"),
            _("People"),
            _("Find anyone with an account, invite BOLD staff, change roles, switch accounts off or on."),
        ),
    ]
