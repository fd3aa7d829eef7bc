from django.contrib import admin

from bold_portal.models import AuditEvent

# The Django admin is for superusers only: programme admins use the portal's own pages (/manage/),
# whose services check every change and write its audit row.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page that shows rows and changes none: the portal's services make every change,
    each with its audit row and checks."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__email"]
    readonly_fields = ["created_at", "actor", "action", "object_type", "object_id", "data"]
