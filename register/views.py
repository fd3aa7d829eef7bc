"""The public register's pages, open to anyone without signing in (docs/register.md): the list of
published entries, each entry's page, 410 Gone for a withdrawn one, and the feed of changes."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from register.feeds import RegisterChangesFeed
from register.selectors import entry_by_slug, published_entries


@login_not_required
@require_GET
def register_list(request):
    return render(request, "register/list.html", {"entries": published_entries()})


@login_not_required
@require_GET
def register_entry(request, use_case_slug: str):
    """A published entry as published; a withdrawn one answers 410 Gone with its reason; any other
    address 404, whether or not the use case exists."""
    entry = entry_by_slug(use_case_slug)
    if entry is None:
        raise Http404
    if not entry.is_published:
        return render(request, "register/withdrawn.html", {"entry": entry}, status=410)
    return render(request, "register/entry.html", {"snapshot": entry.snapshot, "entry": entry})


register_feed = login_not_required(require_GET(RegisterChangesFeed()))
