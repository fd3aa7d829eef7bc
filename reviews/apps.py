from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Review rounds and reviews")

    def ready(self):
        # Add the reviewer pages and the round administration pages to the navigation.
        from reviews import navigation, round_navigation  # noqa: F401
