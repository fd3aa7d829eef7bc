from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatrixConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matrix"
    verbose_name = _("Principle matrix")

    def ready(self):
        # Registers the checks and audit actions, connects the receivers, adds the analysts' navigation
        # link, and registers the nightly purge of exports older than a week (matrix.services.exports).
        from matrix import audit_actions, checks, navigation, receivers  # noqa: F401
        from matrix.services import exports  # noqa: F401
