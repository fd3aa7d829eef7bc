"""{% load review_words %}: a review's status as a GOV.UK tag, the one markup every page showing a
status uses (through reviews/_status_tag.html, or this filter directly where a page shows hundreds
of statuses, such as a lead's cards with a line per reviewer, and an include each would cost more
than the rest of the line)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Each status's tag colour and words; any other status (none yet) is "Not started".
STATUS_TAGS = {
    "submitted": ("green", _("Submitted")),
    "draft": ("light-blue", _("Draft")),
    "withdrawn": ("orange", _("Withdrawn")),
}
NOT_STARTED_TAG = ("grey", _("Not started"))


@register.filter
def status_tag(status: str) -> SafeString:
    colour, words = STATUS_TAGS.get(status, NOT_STARTED_TAG)
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, words)
