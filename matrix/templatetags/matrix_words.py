"""{% load matrix_words %}: the matrix's words and symbols for templates, taken from
matrix.wording, the one source that the pages, the exports and the API share. Templates hold no
outcome words or symbols of their own: they use these filters, mostly through the partials
matrix/_cell_outcome.html, _outcome_tag.html, _cell_counts.html and _cell_spoken.html; the matrix
page's cells, hundreds a page, through one tag a row (matrix_row_cells)."""

import functools
from html import escape

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from matrix import wording
from matrix.selectors.comparison.kinds import IMPROVED, WORSENED
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


@register.filter
def compared_version(number: int | None) -> str:
    """The version a round reviewed, in the rounds compared's row heading ("version 2"), or that the
    round did not review the use case."""
    if number is None:
        return _("not in the round")
    return _("version %(number)s") % {"number": formats.localize(number)}


@register.simple_tag
def compared_row_cells(use_case, name_a: str, name_b: str) -> SafeString:
    """A row of the rounds compared's cells (matrix.selectors.comparison.kinds.ComparedUseCase), one
    per principle: both outcomes by symbol, hidden from screen readers, which hear them in words, and
    the kind of change. Built here rather than in the template: a page has two hundred cells, and
    the template's tags and filters a cell made most of the page's time."""
    cells = []
    for cell in use_case.cells:
        kind = cell.kind
        cells.append(
            format_html(
                '<td class="govuk-table__cell" data-principle="{}" data-outcome-a="{}" data-outcome-b="{}" '
                'data-change="{}"><span class="portal-matrix__symbol" aria-hidden="true">{} → {}</span> '
                '<span class="govuk-visually-hidden">{}: {}; {}: {}.</span> '
                '<span class="govuk-!-display-block{}">{}</span></td>',
                cell.principle_slug,
                cell.outcome_a or "none",
                cell.outcome_b or "none",
                kind,
                outcome_symbol(cell.outcome_a),
                outcome_symbol(cell.outcome_b),
                name_a,
                compared_outcome(cell.outcome_a, cell.updating_a),
                name_b,
                compared_outcome(cell.outcome_b, cell.updating_b),
                " govuk-!-font-weight-bold" if kind in (IMPROVED, WORSENED) else "",
                change_kind_words(kind),
            )
        )
    return format_html_join("\n", "{}", ((cell,) for cell in cells))


def _filled(pattern: str, **values) -> SafeString:
    """A translated pattern with its values escaped, as {% blocktranslate %} fills it: the
    translation is the project's own text, so only the values are escaped."""
    # Hence the nosec comment for bandit's B308 and B703 (mark_safe): the pattern is a translation of this
    # project's own text, and every value that goes into it is escaped first.
    return mark_safe(pattern % {name: conditional_escape(value) for name, value in values.items()})  # nosec B308, B703


@functools.lru_cache(maxsize=256)
def _interest_spoken(language: str | None, names: tuple[str, ...]) -> SafeString:
    """What screen readers hear of a declared interest (programme admins hear the organisations)."""
    if names:
        return _filled(
            _("includes a review from an organisation that declared an interest: %(names)s"), names=", ".join(names)
        )
    return conditional_escape(_("includes a review from an organisation that declared an interest"))


@functools.lru_cache(maxsize=64)
def _updating_cell_inside(language: str | None, principle_name: str) -> SafeString:
    return format_html(
        '<span class="govuk-visually-hidden">{}: {}</span>'
        '<span class="govuk-!-font-weight-bold" aria-hidden="true" data-being-updated>{}</span>',
        principle_name,
        wording.being_updated_in_words(),
        wording.being_updated_words(),
    )


# Kept per language and kind of cell: a page has hundreds of cells but a few dozen kinds (the
# principle, outcome, counts and marks); only a cell's address is its own.
@functools.lru_cache(maxsize=4096)
def _cell_inside(
    language: str | None,
    principle_name: str,
    outcome: str,
    counts: tuple[int, int, int],
    would_become: frozenset[str],
    interest_spoken: str | None,
    flag_in_words: str | None,
    carried: int,
) -> tuple[SafeString, SafeString]:
    """A cell's attributes after its principle, and the inside of its link: the sentence screen
    readers hear ("Relevant: meets; 4 meet, 1 does not meet, 0 not sure; fragile: ..."), then the
    same words shown, symbols first and hidden from them."""
    counts_words = wording.counts_in_words(*counts)
    spoken = [
        _filled(
            _("%(principle)s: %(outcome)s; %(counts)s"),
            principle=principle_name,
            outcome=outcome_in_words(outcome),
            counts=counts_words,
        )
    ]
    shown = []
    if outcome_decided(outcome):
        shown.append(
            format_html(
                '<span class="portal-matrix__symbol portal-matrix__symbol--{}" aria-hidden="true">{}</span> ',
                outcome,
                outcome_symbol(outcome),
            )
        )
    shown.append(format_html('{} <span class="portal-matrix__counts">{}</span>', outcome_words(outcome), counts_words))
    if would_become:
        spoken.append(_filled(_("fragile: %(words)s"), words=wording.fragility_in_words(would_become)))
        shown.append(
            format_html(
                '<span class="portal-matrix__fragile"><span class="portal-matrix__symbol'
                ' portal-matrix__symbol--fragile" aria-hidden="true">{}&#xFE0E;</span> {}</span>',
                wording.FRAGILE_SYMBOL,
                _("Fragile"),
            )
        )
    if interest_spoken:
        spoken.append(interest_spoken)
        shown.append(
            format_html(
                '<span class="portal-matrix__fragile" data-declared-interest><span class="portal-matrix__symbol'
                ' portal-matrix__symbol--interest" aria-hidden="true">{}</span> {}</span>',
                wording.INTEREST_SYMBOL,
                _("Declared interest"),
            )
        )
    if flag_in_words:
        spoken.append(conditional_escape(flag_in_words))
        shown.append(
            format_html(
                '<span class="portal-matrix__fragile" data-flagged><span class="portal-matrix__symbol'
                ' portal-matrix__symbol--flag" aria-hidden="true">{}&#xFE0E;</span> {}</span>',
                wording.FLAG_SYMBOL,
                _("Flagged for discussion"),
            )
        )
    if carried:
        carried_words = ngettext("%(count)s carried forward", "%(count)s carried forward", carried) % {"count": carried}
        spoken.append(conditional_escape(carried_words))
        shown.append(
            format_html(
                '<span class="portal-matrix__fragile" data-carried="{}"><span aria-hidden="true">↻</span> {}</span>',
                carried,
                carried_words,
            )
        )
    attributes = format_html(' data-outcome="{}"{}', outcome, " data-fragile" if would_become else "")
    inside = format_html(
        '<span class="govuk-visually-hidden">{}</span><span aria-hidden="true">{}</span>',
        format_html_join("; ", "{}", ((part,) for part in spoken)),
        format_html_join("", "{}", ((part,) for part in shown)),
    )
    return attributes, inside


def _cell_address(context, round_slug: str) -> str:
    """The address of a cell of the page's round, as a format of its use case, version and
    principle: reversed once a page rather than once a cell."""
    key = ("matrix_cell_address", round_slug)
    if key not in context.render_context:
        slots = ("use-case-slot", 918273645, "principle-slot")
        address = reverse("matrix:cell", args=[round_slug, *slots])
        # Cut from the right: the round's slug, on the left, may hold any of the slots' words.
        principle_head, _slot, tail = address.rpartition(slots[2])
        number_head, _slot, between_number_principle = principle_head.rpartition(str(slots[1]))
        head, _slot, between_use_case_number = number_head.rpartition(slots[0])
        context.render_context[key] = (
            f"{head}{{use_case}}{between_use_case_number}{{number}}{between_number_principle}{{principle}}{tail}"
        )
    return context.render_context[key]


@register.simple_tag(takes_context=True)
def matrix_row_cells(context, row, round_slug: str, matrix_query: str) -> SafeString:
    """A row of the matrix page's cells (matrix.selectors.matrix_page.MatrixUseCaseRow), one line
    each, each a link to the cell's page keeping the page's filters. Built here rather than in the
    template, from markup kept per kind of cell: a page has hundreds of cells, and the template's
    tags and filters a cell made most of the page's time."""
    language = get_language()
    address = _cell_address(context, round_slug)
    query = f"?{matrix_query}" if matrix_query else ""
    interest = None
    if row.declared_interest and not row.is_updating:
        interest = _interest_spoken(language, row.declared_interest.names)
    cells = []
    for view in row.cells:
        principle = view.principle
        href = escape(address.format(use_case=row.use_case_slug, number=row.number, principle=principle.slug) + query)
        if row.is_updating:
            attributes, inside = " data-updating", _updating_cell_inside(language, principle.name)
        else:
            cell = view.cell
            attributes, inside = _cell_inside(
                language,
                principle.name,
                cell.outcome,
                (cell.meets, cell.does_not_meet, cell.not_sure),
                view.would_become,
                interest,
                view.flag.in_words if view.flag else None,
                cell.carried,
            )
        cells.append(
            f'<td class="govuk-table__cell portal-matrix__cell" data-principle="{escape(principle.slug)}"{attributes}>'
            f'<a class="govuk-link" href="{href}">{inside}</a></td>'
        )
    # Every part escaped above (format_html, html.escape): hence the nosec comment for bandit's B308 and B703.
    return mark_safe("\n".join(cells))  # nosec B308, B703


@register.simple_tag
def reason_cards(reasons) -> SafeString:
    """Other reviewers' verdicts and words, pseudonymised (reviews.selectors.reviews.OtherReason),
    each in an inset: the reviewer's number and verdict, then their reason, evidence and suggested
    rewording where given, line breaks kept, as {% blocktranslate %} and linebreaksbr would draw
    them. Built here rather than by a partial per reason: a summary page shows every other
    reviewer's reason on every principle (80 with 20 reviewers), and the partial was a quarter of
    the page's time."""
    pattern = _("Reviewer %(number)s: %(verdict)s")
    labels = {"evidence": escape(_("Evidence:")), "suggested_rewording": escape(_("Suggested rewording:"))}
    verdicts: dict[str, str] = {}
    cards = []
    for reason in reasons:
        if reason.verdict not in verdicts:
            verdicts[reason.verdict] = escape(reason.verdict_label)
        heading = pattern % {"number": int(reason.pseudonym), "verdict": verdicts[reason.verdict]}
        card = [f'<div class="govuk-inset-text">\n  <p class="govuk-body govuk-!-font-weight-bold">{heading}</p>']
        if reason.reason:
            card.append(f'\n  <p class="govuk-body">{_with_line_breaks(reason.reason)}</p>')
        for part in ("evidence", "suggested_rewording"):
            if words := getattr(reason, part):
                card.append(
                    f'\n  <p class="govuk-body"><span class="govuk-!-font-weight-bold">{labels[part]}</span> '
                    f"{_with_line_breaks(words)}</p>"
                )
        cards.append("".join(card) + "\n</div>")
    # Every reviewer's word escaped (html.escape), the pattern a translation of this project's own
    # text: hence the nosec comment for bandit's B308 and B703.
    return mark_safe("\n".join(cards))  # nosec B308, B703


def _with_line_breaks(text: str) -> str:
    """The text escaped, each line break a <br> (Django's linebreaksbr)."""
    return escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")
