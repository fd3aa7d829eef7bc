from django.contrib import admin

from principles.models import MatrixSnapshot, Principle


@admin.register(Principle)
class PrincipleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "question", "guidance"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(MatrixSnapshot)
class MatrixSnapshotAdmin(admin.ModelAdmin):
    list_display = ["round", "computed_at", "source_changed_at", "submitted_reviews"]
    list_filter = ["round__status"]
    search_fields = ["round__name", "round__slug"]
    readonly_fields = ["round", "data", "computed_at", "source_changed_at", "submitted_reviews"]

    def has_add_permission(self, request):
        return False  # snapshots are computed, never typed in
