"""The analysts' entry in the service navigation: the review rounds and their matrices."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register
from bold_portal.roles import is_analyst


@register(order=200)
def analyst_links(request) -> list[Link]:
    if not is_analyst(request.user):
        return []
    return [
        Link(
            reverse("matrix:rounds"),
            _("Review rounds"),
            _("Every review round, its progress and its principle matrix: ticks, crosses and the reasons behind them."),
        )
    ]
