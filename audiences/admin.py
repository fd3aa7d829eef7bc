from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audiences.models import Audience, Invitation, Membership, Organisation, User
from bold_portal.admin import ReadOnlyAdmin, read_only_replace

# Two-factor devices hold secrets (an authenticator app's key): no admin page shows them. People
# manage their own on their sign-in security page; an admin resets someone's from /manage/people/.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
# Staff roles change on /manage/people/ (account_staff_roles_set); a lockout ends after its
# cool-off or with a password reset (sign_in_lockout_clear). The packages' pages stay, read-only.
for model in (Group, AccessAttempt, AccessLog, AccessFailureLog):
    read_only_replace(model)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Read-only: people join by invitation, and their places change through the portal's services."""

    list_display = ["email", "full_name", "is_active", "is_superuser", "date_joined", "last_login"]
    list_filter = ["is_active", "is_superuser", "groups"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "is_active", "is_superuser", "groups", "date_joined", "last_login"]


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
