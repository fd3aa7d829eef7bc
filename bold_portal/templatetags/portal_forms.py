"""{% load portal_forms %}: what the GOV.UK character count says under a long text field
(templates/gds/field.html), counted as the server counts (bold_portal.text)."""

from django import template

from bold_portal.text import grouped, one_character_line_breaks

register = template.Library()


@register.filter
def characters_over(value, limit) -> int:
    """How many characters a field's value (as sent, or as saved) has beyond limit; 0 if none."""
    text = one_character_line_breaks(str(value or "")).strip()
    return max(len(text) - int(limit), 0)


@register.filter
def grouped_number(number) -> str:
    """A count as people read it: 5,000."""
    return grouped(int(number))


@register.simple_tag(takes_context=True)
def character_limit(context, bound_field):
    """The limit a field's character count counts towards: the one its layout gives (crispy-forms-gds'
    max_characters), else its own (bold_portal.forms.count_characters); None without either."""
    return context.get("max_characters") or getattr(bound_field.field, "character_limit", None)
