"""The service navigation: a registry that each app adds its own entries to, so that this core
knows no app. An entry is a function of the request returning the links it offers that person."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.roles import is_admin


@dataclass(frozen=True)
class Link:
    url: str
    label: str
    description: str


@dataclass(frozen=True)
class NavigationLink:
    label: str
    description: str
    url: str
    current: bool


Provider = Callable[[object], Iterable[Link]]


class LinkRegistry:
    """Functions of the request returning Links, each registered by an app with an order (lower
    first); a function returns no links for people who may not use its pages."""

    def __init__(self):
        self._providers: list[tuple[int, Provider]] = []

    def register(self, order: int) -> Callable[[Provider], Provider]:
        def decorate(provider: Provider) -> Provider:
            if provider not in (p for _o, p in self._providers):
                self._providers.append((order, provider))
                self._providers.sort(key=lambda item: item[0])
            return provider

        return decorate

    def links(self, request) -> list[Link]:
        return [link for _order, provider in self._providers for link in provider(request)]


# The service navigation, and the sections of the admin home (/manage/).
service_navigation = LinkRegistry()
manage_home = LinkRegistry()
register = service_navigation.register
register_manage_section = manage_home.register


def navigation_links(request) -> list[NavigationLink]:
    if not request.user.is_authenticated:
        return []
    links = service_navigation.links(request)
    # The most specific link is the current one: /reviews/organisation/… is not "My reviews".
    current = max((link.url for link in links if request.path.startswith(link.url)), key=len, default=None)
    return [NavigationLink(link.label, link.description, link.url, current=link.url == current) for link in links]


def manage_sections(request) -> list[Link]:
    return manage_home.links(request)


@register(order=900)
def _manage_portal(request) -> list[Link]:
    if not is_admin(request.user):
        return []
    return [
        Link(
            reverse("manage_home"),
            _("Manage the portal"),
            _("Audiences, organisations, principles, people, rounds and the audit trail."),
        )
    ]


@register_manage_section(order=900)
def _manage_audit_trail(request) -> list[Link]:
    if not is_admin(request.user):
        return []
    return [
        Link(
            reverse("manage_audit"),
            _("Audit trail"),
            _("Who changed what, and when: filter the trail and download it as a spreadsheet."),
        )
    ]
