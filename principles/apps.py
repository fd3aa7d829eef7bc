from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrinciplesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "principles"
    verbose_name = _("Principles")

    def ready(self):
        from principles import audit_actions, navigation  # noqa: F401  (its audit actions; its pages in the admin home)
