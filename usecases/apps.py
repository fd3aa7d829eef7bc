from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "usecases"
