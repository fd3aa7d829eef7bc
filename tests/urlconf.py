"""Every URL pattern of the portal, walked from the URLconf, for tests that must cover each page."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced, such as "reviews:use_case"; None for a pattern without a name
    route: str  # the whole pattern from the site root, such as "reviews/<slug:round_slug>/..."
    kwargs: tuple[str, ...]  # the names of the values its converters take, outermost first


def _kwarg_names(pattern) -> tuple[str, ...]:
    # RoutePattern knows its converters; a RegexPattern (the admin's catch-all) its named groups.
    return tuple(pattern.converters if isinstance(pattern, RoutePattern) else pattern.regex.groupindex)


def url_routes(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "", kwargs=()) -> list[Route]:
    """Every pattern under the resolver (the site's, by default), with its full name and kwargs."""
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        names = kwargs + _kwarg_names(entry.pattern)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace or "") if part)
            routes += url_routes(entry, route, inner, names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            routes.append(Route(name=name, route=route, kwargs=names))
    return routes
