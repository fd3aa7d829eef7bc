"""The matrix rule in plain words, for analysts' pages (and any export that wants the same
sentences). The rule itself lives in principles/rule.py; this only says it."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from principles.rule import INSUFFICIENT, threshold_hundredths


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
