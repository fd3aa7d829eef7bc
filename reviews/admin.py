"""Read-only Django admin pages for rounds, assignments, reviews and verdicts. Every change goes
through reviews.services (which writes the audit row and keeps the matrix current); the
portal's own pages make those changes."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bold_portal.admin import ReadOnlyAdmin
from reviews.models import Assignment, AssignmentRequest, DeclaredInterest, Review, ReviewRound, RoundVersion, Verdict


class RoundVersionInline(admin.TabularInline):
    model = RoundVersion
    extra = 0
    fields = ["version", "change_count"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "slug",
        "status",
        "threshold",
        "min_reviews",
        "is_blind",
        "opens_on",
        "closes_on",
        "closed_at",
    ]
    list_filter = ["status", "is_blind"]
    search_fields = ["name", "slug"]
    inlines = [RoundVersionInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["version", "reviewer", "organisation", "round", "due_on"]
    list_filter = ["round", "organisation", "version__use_case__audience"]
    search_fields = ["version__title", "reviewer__email", "organisation__name"]
    list_select_related = ["version", "reviewer", "organisation", "round"]


DRAFT_PRIVATE = _("Private while it is a draft")


class VerdictInline(admin.TabularInline):
    """A review's verdicts; a draft's are private to its reviewer, so a draft shows none."""

    model = Verdict
    extra = 0
    readonly_fields = ["principle", "verdict", "reason", "evidence", "suggested_rewording"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(review__status=Review.Status.DRAFT)


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["pk", "version", "reviewer", "organisation", "round", "status", "submitted_at"]
    list_filter = ["status", "round", "organisation", "version__use_case__audience"]
    search_fields = ["reviewer__email", "version__title", "organisation__name"]
    list_select_related = ["version", "reviewer", "organisation", "round"]
    inlines = [VerdictInline]
    exclude = ["overall_comment"]
    readonly_fields = ["comment"]

    @admin.display(description=_("overall comment"))
    def comment(self, review):
        return DRAFT_PRIVATE if review.status == Review.Status.DRAFT else review.overall_comment


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdmin):
    list_display = ["review", "principle", "verdict"]
    list_filter = ["verdict", "principle", "review__round", "review__status"]
    search_fields = ["reason", "evidence", "review__reviewer__email"]
    list_select_related = ["review", "principle"]

    def get_queryset(self, request):
        """Submitted and withdrawn reviews' verdicts: a draft's are private to its reviewer."""
        return super().get_queryset(request).exclude(review__status=Review.Status.DRAFT)


@admin.register(AssignmentRequest)
class AssignmentRequestAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "kind", "state", "requested_by", "requested_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["assignment__version", "assignment__round", "requested_by"]


@admin.register(DeclaredInterest)
class DeclaredInterestAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "use_case__slug", "declared_at", "overridden_at", "withdrawn_at"]
    list_select_related = ["organisation", "use_case"]
