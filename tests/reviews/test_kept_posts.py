"""Nothing typed is lost: a post of the review form refused because the session ended, or because
signing in again in another tab rotated the CSRF token, is kept for its own person and put back
into the form once they have signed in (reviews.services.kept_posts)."""

import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.personal_data_holders import erasers, purgers
from bold_portal.models import AuditEvent
from reviews.models import KeptReviewPost, Review
from reviews.services.kept_posts import keep_token_make

pytestmark = pytest.mark.django_db

TYPED = "It does not say who receives the data, and I typed this after my session ended."


def html(response) -> str:
    return response.content.decode()


def token_for(world, person=None):
    person = person or world.reviewer
    return keep_token_make(person_id=person.pk, round_id=world.round.pk, version_id=world.version.pk)


def typed_post(world, answers, **overrides):
    return answers(**{"action": "save", "clear-reason": TYPED, "keep_token": token_for(world), **overrides})


def test_the_form_carries_a_keep_token(client, world):
    client.force_login(world.reviewer)

    page = html(client.get(world.url("review")))

    assert 'name="keep_token"' in page


def test_a_save_after_the_session_ended_is_kept_and_restored_once_the_same_person_signs_in(client, world, answers):
    audit_rows = AuditEvent.objects.count()

    response = client.post(world.url("review"), typed_post(world, answers))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"]
    assert not Review.objects.exists()
    kept = KeptReviewPost.objects.get()
    assert kept.person == world.reviewer
    assert kept.data["clear-reason"] == [TYPED]
    assert "csrfmiddlewaretoken" not in kept.data and "keep_token" not in kept.data
    assert AuditEvent.objects.count() == audit_rows  # never written to the audit trail

    sign_in_page = html(client.get(response["Location"]))
    assert "What you typed has been kept for 24 hours" in sign_in_page

    client.force_login(world.reviewer)
    page = html(client.get(world.url("review")))
    assert TYPED in page
    assert "has been put back into the form. It has not been saved yet." in page
    assert not Review.objects.exists()


def test_a_kept_post_is_never_offered_to_anyone_else_signing_in(client, world, answers):
    client.post(world.url("review"), typed_post(world, answers))

    client.force_login(world.colleague)  # the same organisation's reviewer, on the same computer
    page = html(client.get(world.url("review")))

    assert TYPED not in page
    assert "It has not been saved yet" not in page
    assert KeptReviewPost.objects.get().person == world.reviewer


def test_a_forged_or_missing_token_keeps_nothing(client, world, answers):
    for token in ["", "forged", token_for(world)[:-2] + "xx"]:
        response = client.post(world.url("review"), typed_post(world, answers, keep_token=token))
        assert response.status_code == 302

    assert not KeptReviewPost.objects.exists()


def test_a_post_larger_than_any_review_could_save_is_not_kept(client, world, answers):
    response = client.post(world.url("review"), typed_post(world, answers, **{"clear-reason": "x" * 1_000_001}))

    assert response.status_code == 302  # to sign in, as for any post after the session ended
    assert not KeptReviewPost.objects.exists()


def test_a_rotated_csrf_token_keeps_the_post_and_returns_the_same_person_to_the_form(world, answers):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.reviewer)

    response = browser.post(world.url("review"), {**typed_post(world, answers), "csrfmiddlewaretoken": "rotated" * 5})

    assert response.status_code == 302
    assert response["Location"] == world.url("review")
    assert not Review.objects.exists()
    page = html(browser.get(response["Location"]))
    assert "you signed in again in another tab" in page
    assert TYPED in page


def test_a_rotated_csrf_token_under_another_person_shows_the_usual_page(world, answers):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.colleague)

    response = browser.post(world.url("review"), {**typed_post(world, answers), "csrfmiddlewaretoken": "x" * 32})

    assert response.status_code == 403
    assert TYPED not in html(response)
    assert KeptReviewPost.objects.get().person == world.reviewer


def test_saving_clears_the_kept_post(client, world, answers):
    client.post(world.url("review"), typed_post(world, answers))
    client.force_login(world.reviewer)
    shown = re.search(r'name="kept_shown" value="([^"]+)"', html(client.get(world.url("review")))).group(1)

    response = client.post(world.url("review"), typed_post(world, answers, kept_shown=shown))

    assert response.status_code == 302
    assert Review.objects.get().verdicts.get(principle=world.clear).reason == TYPED
    assert not KeptReviewPost.objects.exists()
    assert "It has not been saved yet" not in html(client.get(world.url("review")))


@pytest.mark.parametrize("shown", [None, "", "yesterday"])
def test_a_save_from_a_form_that_did_not_show_the_kept_post_leaves_it_to_be_shown(client, world, answers, shown):
    client.post(world.url("review"), typed_post(world, answers))
    client.force_login(world.reviewer)
    extra = {} if shown is None else {"kept_shown": shown}

    response = client.post(world.url("review"), answers(action="save", **extra))

    assert response.status_code == 302
    assert KeptReviewPost.objects.get().data["clear-reason"] == [TYPED]
    assert TYPED in html(client.get(world.url("review")))


def test_the_reviewer_can_set_the_kept_text_aside(client, world, answers):
    client.post(world.url("review"), typed_post(world, answers))
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), {"action": "discard_kept"})

    assert response.status_code == 302
    assert not KeptReviewPost.objects.exists()
    assert TYPED not in html(client.get(world.url("review")))


def test_leaving_by_the_forms_own_button_saves_a_draft_first(client, world, answers):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), typed_post(world, answers, action="leave"))

    assert response.status_code == 302
    assert response["Location"] == world.url("use_case")
    review = Review.objects.get()
    assert review.status == Review.Status.DRAFT
    assert review.verdicts.get(principle=world.clear).reason == TYPED


def test_a_kept_post_older_than_a_day_is_not_restored_and_is_purged_nightly(client, world, answers):
    client.post(world.url("review"), typed_post(world, answers))
    KeptReviewPost.objects.update(kept_at=timezone.now() - datetime.timedelta(hours=25))
    client.force_login(world.reviewer)

    assert TYPED not in html(client.get(world.url("review")))
    assert purgers()["kept_review_posts"](timezone.now()) == 1
    assert not KeptReviewPost.objects.exists()


def test_erasing_the_account_deletes_its_kept_posts(client, world, answers):
    client.post(world.url("review"), typed_post(world, answers))

    for erase in erasers():
        if erase.__name__ == "kept_posts_erase":
            rows = erase(user=world.reviewer, email=world.reviewer.email)

    assert rows.details == {"kept_review_posts_deleted": 1}
    assert not KeptReviewPost.objects.exists()


def test_the_session_is_not_touched_by_keeping(client, world, answers):
    client.post(world.url("review"), typed_post(world, answers))

    assert SESSION_KEY not in client.session
