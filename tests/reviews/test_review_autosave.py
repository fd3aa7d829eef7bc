"""What the review form's script asks of the server (docs/reviewer-journey.md, "With JavaScript"):
a draft that saves itself and hands its tab the new lock version, the conflict page for any other
tab, and the session's time left or more of it."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from reviews.models import KeptReviewPost, Review
from reviews.services.kept_posts import keep_token_make

pytestmark = pytest.mark.django_db


def token(world):
    return keep_token_make(person_id=world.reviewer.pk, round_id=world.round.pk, version_id=world.version.pk)


def test_an_autosave_saves_a_draft_and_hands_back_the_lock_version_so_the_next_one_does_not_conflict(
    client, world, answers
):
    client.force_login(world.reviewer)

    first = client.post(world.url("review_autosave"), answers(action="", overall_comment="One"))
    second = client.post(
        world.url("review_autosave"),
        answers(action="", overall_comment="Two", lock_version=str(first.json()["lock_version"])),
    )

    assert first.status_code == 200 and second.status_code == 200
    assert second.json()["lock_version"] == first.json()["lock_version"] + 1
    assert second.json()["saved_at"].endswith(("am", "pm"))
    review = Review.objects.get()
    assert review.status == "draft" and review.overall_comment == "Two"


def test_an_autosave_from_another_tabs_older_form_keeps_its_text_and_names_the_conflict_page(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review_autosave"), answers(overall_comment="Saved first"))

    response = client.post(
        world.url("review_autosave"), answers(overall_comment="From the older tab", keep_token=token(world))
    )

    assert response.status_code == 409
    assert response.json() == {"conflict_url": world.url("review_conflict")}
    assert Review.objects.get().overall_comment == "Saved first", "nothing overwritten"
    assert KeptReviewPost.objects.get().data["overall_comment"] == ["From the older tab"]


def test_an_autosave_never_touches_a_submitted_review(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers(action="submit"))

    response = client.post(world.url("review_autosave"), answers(lock_version="1", overall_comment="Changed"))

    assert response.status_code == 400 and "not saved automatically" in response.json()["message"]
    assert Review.objects.get().overall_comment == "Thank you."


def test_an_autosave_with_bad_input_says_why_and_saves_nothing(client, world, answers):
    client.force_login(world.reviewer)

    response = client.post(world.url("review_autosave"), answers(**{"clear-reason": "a\x00b"}))

    assert response.status_code == 400
    assert "hidden control character (U+0000)" in response.json()["message"]
    assert not Review.objects.exists()


def test_an_autosave_in_a_closed_round_is_refused(client, world, answers):
    world.close_round()
    client.force_login(world.reviewer)

    response = client.post(world.url("review_autosave"), answers())

    assert response.status_code == 403 and response.json()["message"]
    assert not Review.objects.exists()


def test_an_autosave_after_the_session_ended_is_kept_for_its_person(client, world, answers):
    response = client.post(world.url("review_autosave"), answers(keep_token=token(world), overall_comment="Typed late"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert KeptReviewPost.objects.get(person=world.reviewer).data["overall_comment"] == ["Typed late"]


def test_the_session_says_how_long_it_has_and_stay_signed_in_extends_it(client, world, settings):
    client.force_login(world.reviewer)
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + datetime.timedelta(minutes=4))

    left = client.get(reverse("reviews:session_time")).json()["seconds_left"]
    extended = client.post(reverse("reviews:session_time"))

    assert 200 < left <= 240
    assert extended.json() == {"seconds_left": settings.SESSION_COOKIE_AGE}
    new_expiry = Session.objects.get(pk=session.pk).expire_date
    assert new_expiry > timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
