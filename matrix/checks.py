from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def pending_flag_is_shared(app_configs, **kwargs):
    """The flag that deduplicates matrix recomputes must live where web and worker both see it."""
    if settings.CELERY_BROKER_URL and not settings.REDIS_URL:
        return [
            Warning(
                "CELERY_BROKER_URL is set but REDIS_URL is not, so the cache is per process: the worker "
                "cannot clear the web process's recompute flag, and matrices wait for the sweep.",
                hint="Set REDIS_URL to a Redis database shared by the web, worker and beat processes.",
                id="matrix.W001",
            )
        ]
    return []
