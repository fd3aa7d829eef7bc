"""Limits said up front: the GOV.UK character count under every long text field,
its limit as a hint without JavaScript, line breaks counted as one character (as the count in the
browser counts them), a draft that keeps a text over the submission limit and says how much to
shorten it, and a submission that refuses it with a specific error."""

import re

import pytest
from django import forms

from bold_portal.forms import PortalForm, limit_length
from reviews.models import REVIEW_TEXT_SUBMIT_MAX, Review

pytestmark = pytest.mark.django_db


def textarea(page: str, name: str) -> str:
    return re.search(rf'<textarea name="{re.escape(name)}"[^>]*>', page).group()


def test_every_text_of_the_review_form_shows_the_submission_limit_up_front(client, world):
    client.force_login(world.reviewer)

    page = client.get(world.url("review")).text

    for name in ("relevant-reason", "relevant-evidence", "clear-suggested_rewording", "overall_comment"):
        field = textarea(page, name)
        assert "govuk-js-character-count" in field
        assert f"id_{name}-info" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
        assert " maxlength=" not in field, "the browser's maxlength would cut a pasted answer short"
        info = page[page.index(f'id="id_{name}-info"') :]
        assert info[: info.index("</div>")].strip().endswith("You can enter up to 5,000 characters")
    assert page.count('data-module="govuk-character-count" data-maxlength="5000"') == 7


def test_a_draft_keeps_a_text_over_the_limit_and_says_how_much_to_shorten(client, world, answers):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{"clear-reason": "x" * 6_000}, action="save"))

    assert response.status_code == 302
    assert len(Review.objects.get().verdicts.get(principle=world.clear).reason) == 6_000
    page = client.get(world.url("review")).text
    assert "this had 1,000 characters more than the 5,000 you can submit" in page
    assert page.count("more than the 5,000 you can submit") == 1, "only the text that is over"


def test_submitting_refuses_a_text_over_the_limit_with_a_specific_error(client, world, answers):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{"clear-reason": "x" * 5_001}))

    assert response.status_code == 200 and not Review.objects.exists()
    assert (
        "Your reason for Clear and informative must be 5,000 characters or fewer to submit (it has 5,001). "
        "Shorten it, or save your review as a draft"
    ) in response.text
    assert response.text.count("more than the 5,000 you can submit") == 0, "the error says it already"


def test_line_breaks_count_as_one_character_as_the_browser_counts_them(client, world, answers):
    """Browsers send each line break as CR LF; the character count beside the field counts one. A
    text of exactly 5,000 characters as counted in the browser is submitted."""
    client.force_login(world.reviewer)
    typed = ("y" * 99 + "\n") * 50  # 5,000 characters in the browser, 5,050 as sent
    sent = typed.replace("\n", "\r\n")
    assert len(sent) > REVIEW_TEXT_SUBMIT_MAX

    response = client.post(world.url("review"), answers(**{"clear-reason": sent}))

    assert response.status_code == 302
    saved = Review.objects.get().verdicts.get(principle=world.clear).reason
    assert "\r" not in saved and len(saved) == len(typed.strip())


class Note(PortalForm):
    note = forms.CharField(widget=forms.Textarea, required=False)
    short = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["note"], 2_000, "Keep the note to %(limit)s characters or fewer")


def test_any_long_text_of_the_portal_counts_its_own_limit_and_a_one_line_field_does_not():
    form = Note()

    assert form.fields["note"].character_limit == 2_000
    assert "govuk-js-character-count" in form.fields["note"].widget.attrs["class"]
    assert not hasattr(form.fields["short"], "character_limit")


def test_the_request_forms_show_their_limit(client, world):
    client.force_login(world.reviewer)

    page = client.get(world.url("more_time")).text

    assert 'data-module="govuk-character-count" data-maxlength="2000"' in page
    assert "You can enter up to 2,000 characters" in page
