"""The lexicon pages' section on the admin home."""

import rules
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register_manage_section


@register_manage_section(order=450)
def manage_sections(request) -> list[Link]:
    if not rules.has_perm("audiences.manage_portal", request.user):
        return []
    return [
        Link(
            reverse("language:list"),
            _("Language checker"),
            _("The words the checker asks authors to avoid or explain, and the plain words it suggests."),
        )
    ]
