"""Other reviewers' reasons on the summary and author pages (matrix_words.reason_cards): each an
inset naming the reviewer by number with their verdict, then their reason, evidence and suggested
rewording, each only when given, line breaks kept and every word escaped."""

import pytest
from django.template import engines
from django.test import SimpleTestCase
from django.utils import translation

from reviews.selectors.reviews import OtherReason

CARDS = engines["django"].from_string("{% load matrix_words %}{% reason_cards reasons %}")


class ReasonCardsTests(SimpleTestCase):
    def test_each_reason_is_an_inset_with_only_the_words_given(self):
        reasons = [
            OtherReason(1, "meets", 'Line one\nline <two> & "three"', "", ""),
            OtherReason(2, "does_not_meet", "", "Seen <b>here</b>\r\nand there", "Say 'people who use drugs'"),
            OtherReason(3, "", "", "", ""),
        ]
        self.assertHTMLEqual(
            CARDS.render({"reasons": reasons}),
            """
            <div class="govuk-inset-text">
              <p class="govuk-body govuk-!-font-weight-bold">Reviewer 1: Meets the principle</p>
              <p class="govuk-body">Line one<br>line &lt;two&gt; &amp; &quot;three&quot;</p>
            </div>
            <div class="govuk-inset-text">
              <p class="govuk-body govuk-!-font-weight-bold">Reviewer 2: Does not meet the principle</p>
              <p class="govuk-body"><span class="govuk-!-font-weight-bold">Evidence:</span>
                Seen &lt;b&gt;here&lt;/b&gt;<br>and there</p>
              <p class="govuk-body"><span class="govuk-!-font-weight-bold">Suggested rewording:</span>
                Say &#x27;people who use drugs&#x27;</p>
            </div>
            <div class="govuk-inset-text">
              <p class="govuk-body govuk-!-font-weight-bold">Reviewer 3: </p>
            </div>
            """,
        )

    def test_no_reasons_draw_nothing(self):
        assert CARDS.render({"reasons": []}) == ""


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_reviewer_line_is_the_catalogue_pattern_filled_with_escaped_values(language):
    with translation.override(language):
        pattern = translation.gettext("Reviewer %(number)s: %(verdict)s")
        drawn = CARDS.render({"reasons": [OtherReason(7, "meets", "", "", "")]})
        verdict = translation.gettext("Meets the principle")
    assert pattern % {"number": 7, "verdict": verdict} in drawn
