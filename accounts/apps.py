from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        from accounts import audit_actions, outbox  # noqa: F401  (its audit actions; the outbox's erasure and purge)
