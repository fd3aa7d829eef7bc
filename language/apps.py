from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LanguageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "language"
    verbose_name = _("Language checker")

    def ready(self):
        from language import audit_actions, navigation  # noqa: F401  (its audit actions; its pages in the admin home)
