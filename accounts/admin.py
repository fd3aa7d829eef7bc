from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
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
