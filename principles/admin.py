from django.contrib import admin

from bold_portal.admin import ReadOnlyAdmin
from principles.models import Principle


@admin.register(Principle)
class PrincipleAdmin(ReadOnlyAdmin):
    """Read-only: principles change on /manage/principles/, through principles.services."""

    list_display = ["name", "slug", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "question", "guidance"]
