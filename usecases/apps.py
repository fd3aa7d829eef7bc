from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "usecases"

    def ready(self):
        # Register its audit actions and its section on the admin home.
        from usecases import audit_actions, navigation  # noqa: F401
