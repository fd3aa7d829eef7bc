"""The data parties' section on the admin home."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register_manage_section


@register_manage_section(order=460)
def manage_sections(request) -> list[Link]:
    if not rules.has_perm("audiences.manage_portal", request.user):
        return []
    return [
        Link(
            reverse("parties:list"),
            _("Data parties"),
            _("Who data goes from and to in use cases: rename, link to an organisation, merge."),
        )
    ]
