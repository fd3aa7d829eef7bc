"""{% govuk_pagination page %}: the GOV.UK pagination component for a Django Page, keeping the
request's other query parameters (searches, filters), for list pages whose views pass the page."""

from django import template

from bold_portal.pagination import pagination

register = template.Library()


@register.inclusion_tag("_pagination.html", takes_context=True)
def govuk_pagination(context, page):
    return {"pagination": pagination(context["request"], page), "showing_page": page}
