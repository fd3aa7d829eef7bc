"""Pages of the portal as a whole: the home page, the public statements and the error pages."""

from functools import partial

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from health_check.views import HealthCheckView
from redis.asyncio import Redis

from bold_portal.context_processors import site_context
from bold_portal.navigation import manage_sections, navigation_links
from bold_portal.roles import is_admin, is_reviewer


def home(request):
    """Sends each person to the page for their role; others see the pages they can use."""
    if is_reviewer(request.user):
        return redirect("reviews:my_reviews")
    return render(request, "bold_portal/home.html", {"links": navigation_links(request)})


def manage_home(request):
    """The programme admin's home: a link to each admin page the apps register. A 404 for
    anyone else."""
    if not is_admin(request.user):
        raise Http404
    return render(request, "manage/home.html", {"sections": manage_sections(request)})


accessibility_statement = login_not_required(TemplateView.as_view(template_name="bold_portal/accessibility.html"))
privacy_notice = login_not_required(TemplateView.as_view(template_name="bold_portal/privacy.html"))


def bad_request(request, exception):
    """The 400 page (for example a form too large to read), with the layout's usual context:
    Django's own handler renders it without the request."""
    return render(request, "400.html", status=400)


def server_error(request):
    """The 500 page, rendered without context processors: the database may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render(site_context()))


def csrf_failure(request, reason=""):
    """The form could not be trusted (often an expired page): explain it in plain words."""
    return render(request, "403_csrf.html", status=403)


@method_decorator(login_not_required, name="dispatch")
class PortalHealthCheckView(HealthCheckView):
    """/health/, for the compose health check and load balancers: 200 when the database, the cache
    and (when one is configured) the Celery broker answer, 500 otherwise. The workers have their own
    health check, so a stopped worker never takes the web processes out of service."""

    def get_checks(self):
        self.checks = ["health_check.checks.Database", "health_check.checks.Cache"]
        if settings.CELERY_BROKER_URL:
            broker = partial(Redis.from_url, settings.CELERY_BROKER_URL)
            self.checks.append(("health_check.contrib.redis.Redis", {"client_factory": broker}))
        return super().get_checks()
