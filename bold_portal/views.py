"""Pages of the portal as a whole: the home page, the public statements and the error pages."""

from datetime import timedelta
from functools import partial

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from health_check.views import HealthCheckView
from redis.asyncio import Redis

from bold_portal.celery import app as celery_app
from bold_portal.context_processors import site_context
from bold_portal.navigation import manage_sections, navigation_links
from bold_portal.roles import is_admin, is_author, is_reviewer


def home(request):
    """Sends each person to the page for their role; others see the pages they can use."""
    if is_reviewer(request.user):
        return redirect("reviews:my_reviews")
    if is_author(request.user) and not is_admin(request.user):
        return redirect("authors:use_cases")
    return render(request, "bold_portal/home.html", {"links": navigation_links(request)})


def manage_home(request):
    """The programme admin's home: a link to each admin page the apps register. A 404 for
    anyone else."""
    if not is_admin(request.user):
        raise Http404
    return render(request, "manage/home.html", {"sections": manage_sections(request)})


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers ask for whatever a page links to: the portal's own icon (a "B";
    GOV.UK's crown icons are for gov.uk services only, docs/frontend.md), from the static files,
    cached for a day."""
    with open(finders.find("portal/favicon.ico"), "rb") as icon:
        response = HttpResponse(icon.read(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response


accessibility_statement = login_not_required(TemplateView.as_view(template_name="bold_portal/accessibility.html"))


@login_not_required
def privacy_notice(request):
    """The privacy notice, with the retention periods this portal is set to."""
    audit_days = settings.RETENTION_AUDIT_DAYS
    retention = {
        "invitations": settings.RETENTION_INVITATIONS_DAYS,
        "sign_in_records": settings.RETENTION_SIGN_IN_RECORDS_DAYS,
        "session_hours": max(1, settings.SESSION_COOKIE_AGE // 3600),
        "audit_years": audit_days // 365 if audit_days % 365 == 0 else None,
        "audit_days": audit_days,
    }
    return render(request, "bold_portal/privacy.html", {"retention": retention})


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


def _may_see_health_details(request) -> bool:
    """Which check failed, and its error (which can name hosts and ports), is for programme admins
    past two-factor sign-in; everyone else, load balancers included, learns only ok or not."""
    user = request.user
    return user.is_authenticated and user.is_verified() and is_admin(user)


# How long /health/?checks=worker waits for a worker to answer its ping.
WORKER_PING_TIMEOUT = timedelta(seconds=2)


@method_decorator(login_not_required, name="dispatch")
class PortalHealthCheckView(HealthCheckView):
    """/health/, for the web container's health check and load balancers: 200 when the database
    and the cache answer, 500 otherwise. /health/?checks=worker asks instead whether the Celery
    broker and at least one worker answer: kept out of the web's own check, so that web starts
    before the worker and a stopped worker never takes the web processes out of service. Anonymous
    callers get only the overall status; the page is the portal's own (no inline styles)."""

    template_name = "bold_portal/health.html"

    def get_checks(self):
        if self.request.GET.get("checks") == "worker":
            self.checks = []
            # Without a broker, tasks run in the web process: there is no worker to ask.
            if settings.CELERY_BROKER_URL:
                broker = partial(Redis.from_url, settings.CELERY_BROKER_URL)
                self.checks = [
                    ("health_check.contrib.redis.Redis", {"client_factory": broker}),
                    ("health_check.contrib.celery.Ping", {"app": celery_app, "timeout": WORKER_PING_TIMEOUT}),
                ]
        else:
            self.checks = ["health_check.checks.Database", "health_check.checks.Cache"]
        return super().get_checks()

    async def get(self, request, *args, **kwargs):
        if request.GET.get("checks", "") not in {"", "worker"}:
            return HttpResponseBadRequest(
                "Unknown checks: ask for /health/ or /health/?checks=worker.\n",
                content_type="text/plain; charset=utf-8",
            )
        self.detailed = await sync_to_async(_may_see_health_details)(request)
        return await super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "detailed": self.detailed}

    def _overall(self) -> str:
        return "error" if any(result.error for result in self.results) else "ok"

    def render_to_response_json(self, status):
        if self.detailed:
            return super().render_to_response_json(status)
        return JsonResponse({"status": self._overall()}, status=status)

    def render_to_response_text(self, status):
        if self.detailed:
            return super().render_to_response_text(status)
        return HttpResponse(f"{self._overall()}\n", content_type="text/plain; charset=utf-8", status=status)

    def _overall_only(self, render):
        status = 500 if self._overall() == "error" else 200
        return render() if self.detailed else self.render_to_response_text(status)

    def render_to_response_atom(self):
        return self._overall_only(super().render_to_response_atom)

    def render_to_response_rss(self):
        return self._overall_only(super().render_to_response_rss)

    def render_to_response_openmetrics(self):
        return self._overall_only(super().render_to_response_openmetrics)
