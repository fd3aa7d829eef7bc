"""The accounts pages' entries in the service navigation."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register


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
