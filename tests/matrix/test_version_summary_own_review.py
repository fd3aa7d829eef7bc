"""What reviewers said, from the reviewer's side: their own verdict and reason
beside the others', how many reviews an outcome needs and how many there are, a word when nobody
else has reviewed yet, and, after a withdrawal, that their review no longer counts."""

import pytest

from matrix.services.recompute import matrix_recompute
from reviews.models import ReviewRound
from tests.matrix.test_version_summary_page import SECRET_REASON, SUMMARY, answers, html, others, submit, world
from tests.pages import main_content

pytestmark = pytest.mark.django_db

__all__ = ["answers", "others", "world"]  # fixtures


def test_the_reviewers_own_verdict_and_reason_sit_beside_the_others(client, world, others, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers(**{"relevant-verdict": "not_sure", "relevant-reason": "Unsure of scope."}))
    matrix_recompute(round_id=world.round.pk)

    page = main_content(client.get(world.url(SUMMARY)))

    relevant = page[page.index(">Relevant<") : page.index(">Clear and informative<")]
    own = relevant[relevant.index("What you said") : relevant.index("What other reviewers said")]
    assert "You:" in own and "Not sure" in own and "Unsure of scope." in own
    assert SECRET_REASON in relevant[relevant.index("What other reviewers said") :]
    assert "3 reviews are submitted, yours included." in page
    assert "An outcome needs at least 2 reviews, and more than half of the reviewers who decided" in page
    # Each outcome says why, in words: 1 of 2 who decided said it meets, so it is a cross.
    assert "1 of 2 reviewers who decided said it meets; more than half is needed." in relevant
    assert "Nobody else has submitted" not in page


def test_the_summary_says_when_nobody_else_has_reviewed_yet(client, world, answers):
    ReviewRound.objects.filter(pk=world.round.pk).update(min_reviews=3)
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    matrix_recompute(round_id=world.round.pk)

    page = main_content(client.get(world.url(SUMMARY)))

    assert "1 review is submitted, yours included." in page
    assert "Nobody else has submitted a review of this use case yet" in page
    assert "An outcome needs at least 3 reviews" in page
    assert "1 review, at least 3 are needed." in page
    assert "It does not say who receives the data." in page  # the reviewer's own reason, as theirs


def test_after_a_withdrawal_a_non_blind_summary_says_the_review_no_longer_counts(client, world, others, answers):
    ReviewRound.objects.filter(pk=world.round.pk).update(is_blind=False)
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    client.post(world.url("review_withdraw"), {"lock_version": "1"})
    matrix_recompute(round_id=world.round.pk)

    response = client.get(world.url(SUMMARY))

    assert response.status_code == 200
    page = main_content(response)
    assert "You withdrew your review, so it no longer counts" in page
    assert "2 reviews are submitted." in page and "yours included" not in page
    assert "You (withdrawn, not counted):" in page


def test_after_a_withdrawal_a_blind_summary_says_why_it_is_hidden(client, world, others, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    client.post(world.url("review_withdraw"), {"lock_version": "1"})

    response = client.get(world.url(SUMMARY))

    assert response.status_code == 403
    assert "You withdrew your review, so it no longer counts" in html(response)
    assert SECRET_REASON not in html(response)


def test_a_summary_with_one_other_review_does_not_say_nobody_else_reviewed(client, world, answers):
    submit(world, world.colleague, verdict="meets")
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    matrix_recompute(round_id=world.round.pk)

    page = main_content(client.get(world.url(SUMMARY)))

    assert "2 reviews are submitted, yours included." in page
    assert "Nobody else has submitted" not in page
