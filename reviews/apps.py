from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = _("Review rounds and reviews")

    def ready(self):
        # Register its audit actions; add the reviewer and round administration pages to the navigation;
        # register the erasure and nightly purge of kept review posts, and the erasure of who chose
        # reviewers; declare the interests of data parties named in published versions; revoke
        # personal review links when a person's account or membership goes.
        from reviews import audit_actions, navigation, receivers  # noqa: F401
        from reviews.services import chosen_reviewers, kept_posts, party_interests  # noqa: F401
