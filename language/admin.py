"""The lexicon and dismissed hits in the Django admin: read-only, like every page there (the
admins' own pages under /manage/language/ change the lexicon through its services)."""

from django.contrib import admin

from bold_portal.admin import ReadOnlyAdmin
from language.models import HitDismissal, LexiconEntry


@admin.register(LexiconEntry)
class LexiconEntryAdmin(ReadOnlyAdmin):
    list_display = ["term", "kind", "source", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["term"]


@admin.register(HitDismissal)
class HitDismissalAdmin(ReadOnlyAdmin):
    list_display = ["subject", "kind", "text", "occurrence", "dismissed_at"]
    search_fields = ["subject"]
