from django.contrib import admin

from usecases.models import UseCase, UseCaseVersion


class UseCaseVersionInline(admin.StackedInline):
    model = UseCaseVersion
    extra = 0
    show_change_link = True

    def has_change_permission(self, request, obj=None):
        return False  # versions are immutable: add a new one instead


@admin.register(UseCase)
class UseCaseAdmin(admin.ModelAdmin):
    list_display = ["slug", "audience", "display_order", "is_illustrative"]
    list_filter = ["audience", "is_illustrative"]
    search_fields = ["slug", "versions__title"]
    inlines = [UseCaseVersionInline]


@admin.register(UseCaseVersion)
class UseCaseVersionAdmin(admin.ModelAdmin):
    list_display = ["title", "use_case", "number", "created_at"]
    list_filter = ["use_case__audience"]
    search_fields = ["title", "use_case__slug", "impact_statement", "research_questions"]
    list_select_related = ["use_case"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # versions are immutable: add a new one instead
