from django.contrib import admin

from principles.models import Principle


@admin.register(Principle)
class PrincipleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "question", "guidance"]
    prepopulated_fields = {"slug": ["name"]}
