"""The register's Atom feed of changes: published, updated and withdrawn, newest first. Each item
holds the title and one sentence, never an entry's content, so a withdrawn entry's text is not
kept reachable through the feed."""

from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from register.selectors import feed_changes


class RegisterChangesFeed(Feed):
    feed_type = Atom1Feed
    title = _("BOLD public register: changes")
    subtitle = _("Use cases the BOLD programme published on, updated on or withdrew from its public register.")
    link = reverse_lazy("register:list")

    def items(self):
        return feed_changes()

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.title}"

    def item_description(self, item):
        return item.sentence

    def item_link(self, item):
        # A change's own address: the entry's page with the change's number, so that each item is unique.
        return f"{reverse('register:entry', args=[item.entry.use_case.slug])}#change-{item.pk}"

    def item_pubdate(self, item):
        return item.at

    def item_updateddate(self, item):
        return item.at
