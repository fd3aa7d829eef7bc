"""The analysts' entry in the service navigation: the review rounds and their matrices."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import Link, register
from bold_portal.roles import is_admin, is_analyst, is_author


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


@register(order=150)
def author_links(request) -> list[Link]:
    if not (is_author(request.user) or is_admin(request.user)):
        return []
    return [
        Link(
            reverse("authors:use_cases"),
            _("Use cases"),
            _("Write use cases, publish versions and read what reviewers said."),
        )
    ]
