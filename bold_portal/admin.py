from django.contrib import admin

from bold_portal.models import AuditEvent


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
