from django.contrib import admin
from django.db import models

from audiences.models import Audience, Invitation, Membership, Organisation
from bold_portal.admin import ReadOnlyAdmin


@admin.register(Audience)
class AudienceAdmin(ReadOnlyAdmin):
    """Read-only: audiences change on /manage/audiences/ (audience_create, audience_update, ...)."""

    list_display = ["name", "slug", "display_order", "colour", "is_archived"]
    list_filter = ["is_archived"]
    search_fields = ["name", "slug", "description"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    # Websites are https (Django 6's default); saying so now silences its deprecation warning.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug"]
    list_filter = ["audiences"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation", "organisation__audiences"]
    search_fields = ["user__email", "organisation__name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Read-only: invitations are sent from the portal's invitation page, which emails the link."""

    list_display = ["email", "organisation", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "organisation"]
    search_fields = ["email", "organisation__name"]
