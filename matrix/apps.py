from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatrixConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "matrix"
    verbose_name = _("Principle matrix")

    def ready(self):
        from matrix import checks, receivers  # noqa: F401  (registers the checks, connects the receivers)
