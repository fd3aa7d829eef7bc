"""Use cases in the Django admin, until authors have pages of their own: read-only, except the two
add pages, which save through usecases.services (a new use case with its first version, and a new
version of a use case), each with its audit row. Versions are immutable: a revision is a new one."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from audiences.selectors import audiences_offered
from bold_portal.admin import AddThroughServiceAdmin
from bold_portal.forms import PortalFormMixin
from usecases.models import UseCase, UseCaseVersion
from usecases.services import use_case_create, use_case_version_create

VERSION_TEXT = ["title", "impact_statement", "research_questions", "data_flows", "will_do", "wont_do"]


def _version_text(version: UseCaseVersion) -> dict:
    """A version's text as the services take it: one research question or point per line."""
    return {
        "title": version.title,
        "impact_statement": version.impact_statement,
        "research_questions": version.research_question_list,
        "data_flows": version.data_flows,
        "will_do": version.will_do_list,
        "wont_do": version.wont_do_list,
    }


def _version_field(name: str) -> forms.Field:
    return UseCaseVersion._meta.get_field(name).formfield()


class UseCaseAddForm(PortalFormMixin, forms.ModelForm):
    """A new use case and its first version, in one form."""

    title = _version_field("title")
    impact_statement = _version_field("impact_statement")
    research_questions = _version_field("research_questions")
    data_flows = _version_field("data_flows")
    will_do = _version_field("will_do")
    wont_do = _version_field("wont_do")

    class Meta:
        model = UseCase
        fields = ["audience", "slug", "display_order", "is_illustrative", *VERSION_TEXT]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].queryset = audiences_offered()

    def clean(self):
        cleaned = super().clean()
        given = [name for name in VERSION_TEXT if name in cleaned]
        self.first_version = UseCaseVersion(number=1, **{name: cleaned[name] for name in given})
        try:
            self.first_version.full_clean(exclude=["use_case", *(set(VERSION_TEXT) - set(given))])
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


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
class UseCaseAdmin(AddThroughServiceAdmin):
    list_display = ["slug", "audience", "display_order", "is_illustrative"]
    list_filter = ["audience", "is_illustrative"]
    search_fields = ["slug", "versions__title"]
    inlines = [UseCaseVersionInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = UseCaseAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return UseCaseAddForm._meta.fields if obj is None else super().get_fields(request, obj)

    def add_through_service(self, request, form):
        data = form.cleaned_data
        return use_case_create(
            audience=data["audience"],
            slug=data["slug"],
            display_order=data["display_order"],
            is_illustrative=data["is_illustrative"],
            actor=request.user,
            **_version_text(form.first_version),
        )


@admin.register(UseCaseVersion)
class UseCaseVersionAdmin(AddThroughServiceAdmin):
    """Adding a version numbers it after the use case's last one."""

    list_display = ["title", "use_case", "number", "created_at"]
    list_filter = ["use_case__audience"]
    search_fields = ["title", "use_case__slug", "impact_statement", "research_questions"]
    list_select_related = ["use_case"]
    add_fields = ["use_case", *VERSION_TEXT, "change_summary"]

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else super().get_fields(request, obj)

    def add_through_service(self, request, form):
        version = form.instance
        return use_case_version_create(
            use_case=version.use_case,
            change_summary=version.change_summary,
            actor=request.user,
            **_version_text(version),
        )
