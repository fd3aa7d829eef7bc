"""{% load review_words %}: a review's status as a GOV.UK tag, the one markup every page showing a
status uses (through reviews/_status_tag.html, or this filter directly), and the reviewer lines of
a lead's card: a page of 20 use cases has some 400 of them, and writing each in Python costs a
fraction of an include and five variable lookups a line."""

import functools

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

register = template.Library()

# Each status's tag colour and words; any other status (none yet) is "Not started".
STATUS_TAGS = {
    "submitted": ("green", gettext_lazy("Submitted")),
    "draft": ("light-blue", gettext_lazy("Draft")),
    "withdrawn": ("orange", gettext_lazy("Withdrawn")),
}
NOT_STARTED_TAG = ("grey", gettext_lazy("Not started"))


@functools.cache
def _status_tag(status: str, language: str | None) -> SafeString:
    colour, words = STATUS_TAGS.get(status, NOT_STARTED_TAG)
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, words)


@register.filter
def status_tag(status: str) -> SafeString:
    """The status's tag, written once per status and language."""
    return _status_tag(status, get_language())


def _due(reviewer, version) -> SafeString | str:
    """A reviewer's own due date, when it is not the use case's."""
    if reviewer.due_on == version.due_on:
        return ""
    words = _("Due %(date)s") % {"date": date_format(reviewer.due_on, "j F Y")} if reviewer.due_on else _("No due date")
    return format_html('<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">{}</p>', words)


@register.simple_tag
def lead_reviewer_rows(version) -> SafeString:
    """One summary-list row a reviewer of a lead's card (reviews.selectors.organisations.VersionProgress):
    their name, Overdue if they are, their status, and their due date when not the use case's."""
    overdue = format_html('<strong class="govuk-tag govuk-tag--red">{}</strong> ', _("Overdue"))
    return format_html_join(
        "\n",
        '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt>'
        '<dd class="govuk-summary-list__value">{}{}{}</dd></div>',
        (
            (
                reviewer.name,
                overdue if reviewer.is_overdue else "",
                status_tag(reviewer.status),
                _due(reviewer, version),
            )
            for reviewer in version.reviewers
        ),
    )
