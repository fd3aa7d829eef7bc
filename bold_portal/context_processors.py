from functools import partial

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bold_portal.navigation import navigation_links


def site_context() -> dict:
    """What every page shows, needing neither the request nor the database (so error pages have it too)."""
    return {"service_name": _("BOLD use case review"), "support_email": settings.SUPPORT_EMAIL}


def service(request):
    """The service name and contact shown on every page, and the signed-in person's links.
    The links are worked out only when a page shows them (templates call the partial)."""
    return {**site_context(), "navigation_links": partial(navigation_links, request)}
