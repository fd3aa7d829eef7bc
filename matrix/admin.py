from django.contrib import admin

from bold_portal.admin import ReadOnlyAdmin
from matrix.models import Matrix


@admin.register(Matrix)
class MatrixAdmin(ReadOnlyAdmin):
    """The matrix is computed, never typed in: this page shows when and how often."""

    list_display = ["round", "computed_at", "version_recomputes", "round_recomputes"]
    search_fields = ["round__name", "round__slug"]
