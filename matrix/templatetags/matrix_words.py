"""{% load matrix_words %}: the matrix's words and symbols for templates, taken from
matrix.wording, the one source that the pages, the exports and the API share. Templates hold no
outcome words or symbols of their own: they use these filters, mostly through the partials
matrix/_cell_outcome.html, _outcome_tag.html, _cell_counts.html and _cell_spoken.html."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from matrix import wording
from principles.rule import CROSS, INSUFFICIENT, TICK

register = template.Library()

# The marks beside a cell, by the name templates give them.
MARK_SYMBOLS = {
    "fragile": wording.FRAGILE_SYMBOL,
    "interest": wording.INTEREST_SYMBOL,
    "flag": wording.FLAG_SYMBOL,
}
# The GOV.UK tag colour of each outcome (always with its words).
TAG_COLOURS = {TICK: "green", CROSS: "red", INSUFFICIENT: "grey"}


@register.filter
def outcome_symbol(outcome: str | None) -> str:
    """The outcome's symbol: a tick, a cross, or an en dash for not enough reviews or none."""
    return wording.OUTCOME_SYMBOLS.get(outcome, wording.OUTCOME_SYMBOLS[INSUFFICIENT])


@register.filter
def outcome_decided(outcome: str | None) -> bool:
    """Whether the outcome is a tick or a cross (pages show a symbol only for those)."""
    return outcome in (TICK, CROSS)


@register.filter
def outcome_words(outcome: str) -> str:
    """ "Meets", "Does not meet", "Not enough reviews"."""
    return wording.outcome_words(outcome)


@register.filter
def outcome_in_words(outcome: str | None) -> str:
    """ "meets", "does not meet", "not enough reviews"; "not in the round" for None."""
    return wording.outcome_in_words(outcome)


@register.filter
def change_kind_words(kind: str) -> str:
    """ "Improved", "Worsened", "No change", "Not comparable" (a cell of the rounds compared)."""
    return wording.change_kind_words(kind)


@register.filter
def outcome_tag_colour(outcome: str) -> str:
    return TAG_COLOURS[outcome]


@register.filter
def counts_in_words(cell) -> str:
    """A cell's counts in words; cell is an object with meets, does_not_meet and not_sure, or a
    dict with those keys (the exports' layout)."""
    if isinstance(cell, dict):
        return wording.counts_in_words(cell["meets"], cell["does_not_meet"], cell["not_sure"])
    return wording.counts_in_words(cell.meets, cell.does_not_meet, cell.not_sure)


@register.filter
def verdict_symbol(verdict: str) -> str:
    """The symbol of a submitted verdict: a tick for meets, a cross for does not meet, else none."""
    return wording.VERDICT_SYMBOLS.get(verdict, "")


@register.simple_tag
def being_updated() -> str:
    return wording.being_updated_words()


@register.simple_tag
def being_updated_in_words() -> str:
    return wording.being_updated_in_words()


@register.simple_tag
def outcome_legend() -> str:
    return wording.outcome_legend()


@register.simple_tag
def mark_symbol(name: str) -> str:
    """The symbol of a mark beside a cell: "fragile", "interest" or "flag"."""
    return MARK_SYMBOLS[name]


@register.simple_tag
def compared_outcome(outcome: str | None, updating: bool) -> str:
    """One round's outcome in the rounds compared: a tick or a cross by symbol (hidden from screen
    readers, which hear the words) and words, "Not enough reviews yet", that the round did not review
    the use case (or has not the principle), or "Being updated" when its stored cell is behind the
    reviews. A tag, not a partial: the comparison's table shows two a cell, hundreds a page."""
    if outcome is None:
        return _("Not in this round")
    if updating:
        return wording.being_updated_words()
    if outcome_decided(outcome):
        return format_html(
            '<span class="portal-matrix__symbol portal-matrix__symbol--{}" aria-hidden="true">{}</span> {}',
            outcome,
            outcome_symbol(outcome),
            outcome_words(outcome),
        )
    return _("Not enough reviews yet")
