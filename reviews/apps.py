from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Review rounds and reviews")

    def ready(self):
        from reviews import navigation  # noqa: F401  (adds the reviewer pages to the navigation)
