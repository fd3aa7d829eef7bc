from django.contrib import admin

from usecases.models import Assignment, Review, ReviewRound, UseCase, UseCaseVersion, Verdict
from usecases.services import round_settings_changed


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
    list_filter = ["use_case__audience", "rounds"]
    search_fields = ["title", "use_case__slug", "impact_statement", "research_questions"]
    list_select_related = ["use_case"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # versions are immutable: add a new one instead


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["version", "reviewer", "organisation"]


@admin.register(ReviewRound)
class ReviewRoundAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "threshold", "min_reviews", "is_blind", "opens_on", "closes_on"]
    list_filter = ["status", "is_blind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["principles", "versions"]
    readonly_fields = ["last_changed_at"]
    inlines = [AssignmentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Threshold, minimum, principles or versions may have changed: the matrix must follow.
        round_settings_changed(review_round=form.instance, actor=request.user)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["version", "reviewer", "organisation", "round", "due_on"]
    list_filter = ["round", "organisation", "version__use_case__audience"]
    search_fields = ["version__title", "reviewer__email", "organisation__name"]
    autocomplete_fields = ["version", "reviewer", "organisation"]
    list_select_related = ["version", "reviewer", "organisation", "round"]


class VerdictInline(admin.TabularInline):
    model = Verdict
    extra = 0
    readonly_fields = ["principle", "verdict", "reason", "evidence", "suggested_rewording"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Read-only: reviews change only through the reviewer's form, so each change is audited."""

    list_display = ["pk", "version", "reviewer", "organisation", "round", "status", "submitted_at"]
    list_filter = ["status", "round", "organisation", "version__use_case__audience"]
    search_fields = ["reviewer__email", "version__title", "organisation__name"]
    list_select_related = ["version", "reviewer", "organisation", "round"]
    inlines = [VerdictInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Verdict)
class VerdictAdmin(admin.ModelAdmin):
    list_display = ["review", "principle", "verdict"]
    list_filter = ["verdict", "principle", "review__round", "review__status"]
    search_fields = ["reason", "evidence", "review__reviewer__email"]
    list_select_related = ["review", "principle"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
