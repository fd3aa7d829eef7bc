"""The matrix in plain words and symbols: the one source of every outcome's words and symbol, a
cell's counts in words, the marks beside a cell and what they mean, and the rule in sentences.

Pages take them through the `matrix_words` template tags (matrix/templatetags/matrix_words.py),
the exporters (CSV, JSON, XLSX, PDF) and the API from here, so all of them say the same. The
rule itself lives in principles/rule.py; this only says it.
"""

import functools
from decimal import Decimal

from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from principles.rule import CROSS, INSUFFICIENT, OUTCOMES, TICK, threshold_hundredths
from reviews.models import Verdict

# Symbol and words for each outcome: never colour alone, never a symbol alone. Pages show the
# symbol only for a tick or a cross; files show an en dash for "not enough reviews" (a hyphen
# would read as a minus sign, and start a formula).
OUTCOME_SYMBOLS = {TICK: "✓", CROSS: "✗", INSUFFICIENT: "\u2013"}
# The symbol of a submitted verdict: the symbol of the outcome it argues for ("not sure" has none).
VERDICT_SYMBOLS = {Verdict.Choice.MEETS: OUTCOME_SYMBOLS[TICK], Verdict.Choice.DOES_NOT_MEET: OUTCOME_SYMBOLS[CROSS]}
# Beside a cell that one reviewer changing their mind would flip, always with the words.
FRAGILE_SYMBOL = "⚠"
# Marks the cells of a use case that include a review from an organisation that declared an
# interest in it. Exports are shared files: they never name the organisation.
INTEREST_SYMBOL = "‡"
# Marks a cell the round's flag rule flags for discussion. Exports never name the audience.
FLAG_SYMBOL = "⚑"


# Translated when asked for, one at a time: a page of the matrix asks for hundreds of cells' words.
_OUTCOME_WORDS = {
    TICK: gettext_noop("Meets"),
    CROSS: gettext_noop("Does not meet"),
    INSUFFICIENT: gettext_noop("Not enough reviews"),
}
_OUTCOME_IN_WORDS = {TICK: gettext_noop("meets"), CROSS: gettext_noop("does not meet")}


def outcome_words(outcome: str) -> str:
    """A cell's outcome as a label: "Meets", "Does not meet", "Not enough reviews"."""
    return _(_OUTCOME_WORDS[outcome])


def being_updated_words() -> str:
    """Shown instead of the outcome and counts of a cell whose reviews changed since it was
    computed: its stored outcome may be wrong, so it is never shown as current."""
    return _("Being updated")


def being_updated_in_words() -> str:
    """What a screen reader hears for such a cell, after the principle's name."""
    return _("being updated, the outcome is shown once the latest reviews are counted")


def being_updated_counts_in_words(counts: str) -> str:
    """Counts computed before the latest reviews, said to be so: "being updated, not current: 3 meet, ..."."""
    return _("being updated, not current: %(counts)s") % {"counts": counts}


def outcome_legend() -> str:
    """Every outcome's symbol and words: "✓ Meets · ✗ Does not meet · (an en dash) Not enough reviews"."""
    return " · ".join(f"{OUTCOME_SYMBOLS[outcome]} {outcome_words(outcome)}" for outcome in OUTCOMES)


def counts_in_words(meets: int, does_not_meet: int, not_sure: int) -> str:
    """A cell's three counts: "4 meet, 1 does not meet, 0 not sure"; each verb agrees with its
    number ("1 meets", "0 do not meet")."""
    return _counts_in_words(get_language(), meets, does_not_meet, not_sure)


# Kept per language: a page of the matrix says hundreds of cells' counts, of a few dozen kinds.
@functools.lru_cache(maxsize=4096)
def _counts_in_words(language: str | None, meets: int, does_not_meet: int, not_sure: int) -> str:
    return _("%(meets)s, %(does_not_meet)s, %(not_sure)s") % {
        "meets": ngettext("%(count)d meets", "%(count)d meet", meets) % {"count": meets},
        "does_not_meet": ngettext("%(count)d does not meet", "%(count)d do not meet", does_not_meet)
        % {"count": does_not_meet},
        "not_sure": _("%(count)d not sure") % {"count": not_sure},
    }


def share_needed_in_words(threshold: Decimal) -> str:
    """ "more than half" for a simple majority, else "more than 60%"."""
    percent = threshold_hundredths(threshold)
    if percent == 50:
        return _("more than half")
    return _("more than %(percent)d%%") % {"percent": percent}


def round_rule_in_words(*, threshold: Decimal, min_reviews: int) -> tuple[str, str]:
    """The round's rule as the rounds page lists it: the share of decided reviewers needed for a
    tick, and the minimum number of reviews for any outcome."""
    share = _("More than %(percent)d%% of reviewers who decided") % {"percent": threshold_hundredths(threshold)}
    minimum = ngettext("at least %(count)d review", "at least %(count)d reviews", min_reviews) % {"count": min_reviews}
    return share, minimum


def cell_rule_in_words(cell, *, threshold: Decimal, min_reviews: int) -> str:
    """Why a cell has its outcome: "3 of 5 reviewers who decided said it meets; more than half is
    needed", or, with not enough reviews, "2 reviews, at least 3 are needed" or "nobody decided
    either way". cell has meets, does_not_meet, not_sure and outcome (matrix.selectors.Cell)."""
    decided = cell.meets + cell.does_not_meet
    total = decided + cell.not_sure
    if cell.outcome == INSUFFICIENT and total < min_reviews:
        reviews = ngettext("%(count)d review", "%(count)d reviews", total) % {"count": total}
        needed = ngettext("at least %(count)d is needed", "at least %(count)d are needed", min_reviews) % {
            "count": min_reviews
        }
        return f"{reviews}, {needed}"
    if cell.outcome == INSUFFICIENT:
        return ngettext(
            "nobody decided either way: %(count)d reviewer was not sure",
            "nobody decided either way: all %(count)d reviewers were not sure",
            total,
        ) % {"count": total}
    said = ngettext(
        "%(meets)d of %(decided)d reviewer who decided said it meets",
        "%(meets)d of %(decided)d reviewers who decided said it meets",
        decided,
    ) % {"meets": cell.meets, "decided": decided}
    return _("%(said)s; %(needed)s is needed") % {"said": said, "needed": share_needed_in_words(threshold)}


def outcome_in_words(outcome: str | None) -> str:
    """A cell's outcome in lower-case words; None: the round did not review it."""
    if outcome is None:
        return _("not in the round")
    return _(_OUTCOME_IN_WORDS.get(outcome, gettext_noop("not enough reviews")))


def being_updated_change_in_words(*, first: bool) -> str:
    """Why a cell of the rounds side by side is not compared while one round's cell is being updated."""
    where = _("the first round") if first else _("the second round")
    return _("not comparable: being updated in %(round)s") % {"round": where}


def outcome_change_in_words(outcome_a: str | None, outcome_b: str | None) -> str:
    """How a cell changed from the first round to the second (matrix.selectors.comparison): "improved:
    does not meet to meets", "worsened: meets to does not meet", "no change", or why the two cannot
    be compared: "not comparable: not in the first round", "not comparable: not enough reviews yet
    in the second round". Only a tick and a cross compare."""
    if outcome_a is None or outcome_b is None:
        where = _("the first round") if outcome_a is None else _("the second round")
        return _("not comparable: not in %(round)s") % {"round": where}
    if INSUFFICIENT in (outcome_a, outcome_b):
        if outcome_a == outcome_b:
            where = _("either round")
        else:
            where = _("the first round") if outcome_a == INSUFFICIENT else _("the second round")
        return _("not comparable: not enough reviews yet in %(round)s") % {"round": where}
    if outcome_a == outcome_b:
        return _("no change")
    words = {"before": outcome_in_words(outcome_a), "after": outcome_in_words(outcome_b)}
    if (outcome_a, outcome_b) == (CROSS, TICK):
        return _("improved: %(before)s to %(after)s") % words
    return _("worsened: %(before)s to %(after)s") % words


def change_kind_words(kind: str) -> str:
    """A comparison cell's kind as a label (matrix.selectors.comparison.kinds.CHANGE_KINDS)."""
    return {
        "improved": _("Improved"),
        "worsened": _("Worsened"),
        "unchanged": _("No change"),
        "not-comparable": _("Not comparable"),
    }[kind]


def _outcome_as_noun(outcome: str) -> str:
    return {TICK: _("a tick"), CROSS: _("a cross"), INSUFFICIENT: _("“not enough reviews”")}[outcome]


def fragility_in_words(would_become) -> str:
    """What one reviewer changing their mind would do to a cell (principles.rule.one_change_outcomes):
    "would become a cross if one reviewer changed their mind", or, when nothing would, "no single
    reviewer changing their mind would change it"."""
    if not would_become:
        return _("no single reviewer changing their mind would change it")
    nouns = [_outcome_as_noun(outcome) for outcome in OUTCOMES if outcome in would_become]
    return _("would become %(outcomes)s if one reviewer changed their mind") % {"outcomes": f" {_('or')} ".join(nouns)}


# Krippendorff's own guide: rely on data with alpha of 0.8 or more; draw only tentative
# conclusions from 0.667 up to 0.8.
ALPHA_RELIABLE = 0.8
ALPHA_TENTATIVE = 0.667


def agreement_in_words(alpha: float | None) -> str:
    """One plain sentence on what an agreement figure (Krippendorff's alpha) means."""
    if alpha is None:
        return _(
            "Not enough data: agreement needs at least two reviewers deciding on the same use case, "
            "and both answers (meets and does not meet) given somewhere."
        )
    if alpha >= ALPHA_RELIABLE:
        return _("Reviewers agree well, far beyond what chance would give: the ticks and crosses can be relied on.")
    if alpha >= ALPHA_TENTATIVE:
        return _("Reviewers agree moderately: draw only tentative conclusions from the ticks and crosses.")
    if alpha > 0:
        return _("Reviewers agree only a little more than chance would: read the ticks and crosses with care.")
    return _("Reviewers agree no more than chance would: the ticks and crosses say little on their own.")


def cell_flag_in_words(named_audiences: tuple[str, ...]) -> str:
    """Why a cell is flagged for discussion: the flag audiences whose organisations' reviewers said
    does not meet, each named only where matrix.disclosure lets its reviewers' figures be shown."""
    return _("flagged for discussion: an organisation serving %(audiences)s said does not meet") % {
        "audiences": _(" or ").join(named_audiences)
    }


def rule_in_words(*, threshold, min_reviews: int) -> str:
    """The round's matrix rule as a sentence (principles.rule.cell_outcome), for the exports."""
    return _(
        "A principle is met (✓) when %(share)s of the reviewers who decided (meets or does not meet) say it "
        "meets; otherwise it is not met (✗), so a tie is not met. “Not sure” counts towards the number of "
        "reviews but not either way. With fewer than %(min)s reviews, or when nobody decided, the cell shows "
        "“not enough reviews” (%(none)s)."
    ) % {
        "share": share_needed_in_words(Decimal(str(threshold))),
        "min": min_reviews,
        "none": OUTCOME_SYMBOLS[INSUFFICIENT],
    }


def fragile_in_words() -> str:
    """What the fragile mark means, for the exports' key."""
    return _(
        "%(symbol)s Fragile marks a cell whose outcome would change if one reviewer changed their mind "
        "(one verdict moving between meets, does not meet and not sure), and says what it would become."
    ) % {"symbol": FRAGILE_SYMBOL}


def _until_published(words: str, published: bool) -> str:
    if published:
        return words
    return words + " " + _("Shown once the round has closed, like every figure about groups of reviewers.")


def interest_in_words(*, published: bool) -> str:
    """What the declared-interest mark means, for the exports' key."""
    return _until_published(
        _(
            "%(symbol)s Declared interest marks the cells of a use case that include a review from an "
            "organisation that declared an interest in it (such as a contract with a body that would receive "
            "the data), which a programme admin allowed to review it all the same. It is shown only where at "
            "least two organisations reviewed the use case, so that it never points to one of them."
        )
        % {"symbol": INTEREST_SYMBOL},
        published,
    )


def flag_in_words(*, published: bool) -> str:
    """What the flag mark means, for the exports' key."""
    return _until_published(
        _(
            "%(symbol)s Flagged for discussion marks a cell where a reviewer from an organisation serving "
            "one of the audiences the round's programme admin chose said the use case does not meet the "
            "principle. A flag counts an audience only where its reviewers of the use case form groups large "
            "enough to be shown, so it never reveals a smaller group."
        )
        % {"symbol": FLAG_SYMBOL},
        published,
    )
