from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AudiencesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audiences"
    verbose_name = _("People, audiences and organisations")

    def ready(self):
        # Its audit actions; its pages in the navigation; its part of erasure and retention.
        from audiences import audit_actions, navigation, personal_data  # noqa: F401
