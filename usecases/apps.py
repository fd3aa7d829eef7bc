from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "usecases"

    def ready(self):
        from usecases import audit_actions  # noqa: F401  (registers its audit actions)
