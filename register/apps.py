from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "register"
    verbose_name = _("Public register")

    def ready(self):
        # Registers the audit actions and the admins' link on the admin home.
        from register import audit_actions, navigation  # noqa: F401
