import json
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bold_portal.forms import SEARCH_MAX_LENGTH
from bold_portal.models import AuditEvent
from bold_portal.text import first_control_character, grouped

# The Django admin is for superusers only: programme admins use the portal's own pages (/manage/),
# whose services check every change and write its audit row.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser


def _refusing_unusable_queries(view):
    """An admin page asked for with a hidden control character in its query (a search or a
    filter), or a search longer than any the portal's own search boxes take, is asked for again
    without its query, with a message saying why: the database is never asked (PostgreSQL cannot
    hold a NUL; SQLite refuses a pattern of a megabyte)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        unusable = any(first_control_character(values) for values in request.GET.lists())
        if unusable or len(request.GET.get(SEARCH_VAR, "")) > SEARCH_MAX_LENGTH:
            messages.error(
                request,
                _("Search for %(limit)s characters or fewer, with no hidden control characters.")
                % {"limit": grouped(SEARCH_MAX_LENGTH)},
            )
            return redirect(request.path)
        return view(request, *args, **kwargs)

    return checked


_admin_view = admin.site.admin_view
admin.site.admin_view = lambda view, cacheable=False: _admin_view(_refusing_unusable_queries(view), cacheable)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page that shows rows and changes none: the portal's services make every change,
    each with its audit row and checks. No bulk actions either (a package's own, such as
    django-axes' clean-up, would change rows without a service)."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def read_only_replace(model) -> None:
    """Register a package's admin page for model again, read-only (for pages the portal keeps but
    whose rows only its services change)."""
    registered = type(admin.site._registry[model])
    admin.site.unregister(model)
    admin.site.register(model, type(f"ReadOnly{registered.__name__}", (ReadOnlyAdmin, registered), {}))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["action", "object_id", "actor__email"]
    readonly_fields = ["created_at", "actor", "action", "object_type", "object_id", "details"]
    exclude = ["data"]

    @admin.display(description=gettext_lazy("details"))
    def details(self, event):
        """What the row may show (a draft's text never; bold_portal.audit_actions.shown)."""
        shown = event.shown
        return json.dumps(
            {**shown.details, "before": shown.before, "after": shown.after}, ensure_ascii=False, sort_keys=True
        )
