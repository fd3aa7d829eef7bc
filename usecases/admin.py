"""Use cases in the Django admin: read-only. Authors and programme admins write them on the
authoring pages (usecases/views.py), through usecases.services."""

from django.contrib import admin

from bold_portal.admin import ReadOnlyAdmin
from usecases.models import UseCase, UseCaseVersion


class UseCaseVersionInline(admin.StackedInline):
    model = UseCaseVersion
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UseCase)
class UseCaseAdmin(ReadOnlyAdmin):
    list_display = ["slug", "audience", "display_order", "is_illustrative"]
    list_filter = ["audience", "is_illustrative"]
    search_fields = ["slug", "versions__title"]
    inlines = [UseCaseVersionInline]


@admin.register(UseCaseVersion)
class UseCaseVersionAdmin(ReadOnlyAdmin):
    list_display = ["title", "use_case", "number", "created_at"]
    list_filter = ["use_case__audience"]
    search_fields = ["title", "use_case__slug", "impact_statement", "research_questions"]
    list_select_related = ["use_case"]
