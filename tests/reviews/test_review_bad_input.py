"""Bad input on the review form: a clear message naming the principle and the field, and nothing saved."""

import pytest

from principles.models import Principle
from reviews.forms import REVIEW_TEXT_MAX_LENGTH
from reviews.models import Review

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (REVIEW_TEXT_MAX_LENGTH + 1)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("clear-reason", "Your reason for Clear and informative must be 5,000 characters or fewer"),
        ("clear-evidence", "Evidence for Clear and informative must be 5,000 characters or fewer"),
        ("relevant-suggested_rewording", "Suggested rewording for Relevant must be 5,000 characters or fewer"),
        ("overall_comment", "Overall comment must be 5,000 characters or fewer"),
    ],
)
@pytest.mark.parametrize("action", ["save", "submit"])
def test_overlong_text_is_refused_naming_the_field_and_saves_nothing(client, world, answers, field, message, action):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{field: TOO_LONG}, action=action))

    assert response.status_code == 200
    assert f'<a href="#id_{field}">{message}</a>' in response.text
    assert not Review.objects.exists()


def test_text_at_the_limit_is_saved_and_the_browser_does_not_cut_it_short(client, world, answers):
    client.force_login(world.reviewer)

    assert "maxlength" not in client.get(world.url("review")).text
    client.post(world.url("review"), answers(**{"clear-reason": "y" * REVIEW_TEXT_MAX_LENGTH}))

    assert len(Review.objects.get().verdicts.get(principle=world.clear).reason) == REVIEW_TEXT_MAX_LENGTH


def test_a_percent_sign_in_a_principle_name_does_not_break_the_messages(client, world, answers):
    Principle.objects.filter(pk=world.relevant.pk).update(name="Relevant to 100% of people")
    client.force_login(world.reviewer)

    response = client.post(
        world.url("review"),
        answers(**{"relevant-verdict": "maybe", "relevant-reason": TOO_LONG}),
    )

    assert response.status_code == 200
    assert "Choose whether the use case meets Relevant to 100% of people, does not meet it" in response.text
    assert "Your reason for Relevant to 100% of people must be 5,000 characters or fewer" in response.text
    assert not Review.objects.exists()
