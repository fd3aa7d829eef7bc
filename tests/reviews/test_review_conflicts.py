"""A way out of a conflict (docs/reviewer-journey.md, "Two tabs"): a save from a form opened before
another tab saved keeps what was typed and shows both versions part by part; the reviewer keeps
theirs, the saved one, or a choice per principle, which goes back into the form unsaved."""

import re

import pytest

from bold_portal.models import AuditEvent
from reviews.models import KeptReviewPost, Review
from reviews.services.kept_posts import keep_token_make
from tests.pages import main_content

pytestmark = pytest.mark.django_db

MINE = "Typed in the second tab: it does not name the receiving team."


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def conflict(client, world, answers):
    """The reviewer saved a draft in one tab; a second tab, opened before, then saves other text."""
    client.force_login(world.reviewer)
    token = keep_token_make(person_id=world.reviewer.pk, round_id=world.round.pk, version_id=world.version.pk)
    first = client.post(world.url("review"), answers(action="save", overall_comment="From the first tab"))
    assert first.status_code == 302
    second = client.post(
        world.url("review"),
        answers(action="save", keep_token=token, **{"clear-reason": MINE, "overall_comment": "From the second tab"}),
    )
    return second


def test_a_stale_save_keeps_what_was_typed_and_shows_both_versions(client, world, conflict):
    assert conflict.status_code == 302 and conflict["Location"] == world.url("review_conflict")
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.overall_comment == "From the first tab" and review.lock_version == 1, "nothing overwritten"
    assert KeptReviewPost.objects.get(person=world.reviewer).data["clear-reason"] == [MINE]

    response = client.get(conflict["Location"])

    assert response.status_code == 200
    page = main_content(response)
    assert "Your review was changed in another tab or window" in page
    relevant = page[page.index('id="part-relevant"') : page.index('id="part-clear"')]
    assert "The same in both versions." in relevant and 'type="radio"' not in relevant
    clear = page[page.index('id="part-clear"') : page.index('id="part-overall_comment"')]
    assert MINE in clear and "It does not say who receives the data." in clear
    assert clear.index("Yours (not saved)") < clear.index(MINE) < clear.index("The saved one")
    overall = page[page.index('id="part-overall_comment"') :]
    assert "From the second tab" in overall and "From the first tab" in overall
    assert 'id="id_clear"' in clear and 'id="id_overall_comment"' in overall


def test_choices_per_part_go_back_into_the_form_unsaved_then_save_without_another_conflict(client, world, conflict):
    audit_rows = AuditEvent.objects.count()

    response = client.post(
        world.url("review_conflict"),
        {"action": "combine", "saved_lock_version": "1", "clear": "yours", "overall_comment": "saved"},
    )

    assert response.status_code == 302 and response["Location"] == world.url("review")
    assert Review.objects.get().overall_comment == "From the first tab", "nothing saved until the reviewer saves"
    assert AuditEvent.objects.count() == audit_rows
    form = html(client.get(world.url("review")))
    assert MINE in form and "From the first tab" in form and "From the second tab" not in form
    assert 'name="lock_version" value="1"' in form
    assert "Your choices are in the form." in form

    shown = re.search(r'name="kept_shown" value="([^"]+)"', form).group(1)
    fields = {**_form_fields(KeptReviewPost.objects.get().data), "kept_shown": shown, "action": "save"}
    saved = client.post(world.url("review"), fields)

    assert saved.status_code == 302 and saved["Location"] == world.url("review")
    review = Review.objects.get()
    assert review.verdicts.get(principle=world.clear).reason == MINE
    assert review.overall_comment == "From the first tab" and review.lock_version == 2
    assert not KeptReviewPost.objects.exists()


def _form_fields(data):
    return {name: values[-1] for name, values in data.items()}


def test_keeping_all_of_yours_needs_no_choice_per_part(client, world, conflict):
    response = client.post(world.url("review_conflict"), {"action": "yours", "saved_lock_version": "1"})

    assert response.status_code == 302
    form = html(client.get(world.url("review")))
    assert MINE in form and "From the second tab" in form and 'name="lock_version" value="1"' in form


def test_keeping_the_saved_version_removes_yours(client, world, conflict):
    response = client.post(world.url("review_conflict"), {"action": "saved"})

    assert response.status_code == 302 and response["Location"] == world.url("review")
    assert not KeptReviewPost.objects.exists()
    form = html(client.get(world.url("review")))
    assert "From the first tab" in form and MINE not in form


@pytest.mark.parametrize("choice", [None, "", "both"])
def test_a_part_left_unchosen_or_with_an_unknown_choice_is_refused(client, world, conflict, choice):
    data = {"action": "combine", "saved_lock_version": "1", "overall_comment": "saved"}
    if choice is not None:
        data["clear"] = choice

    response = client.post(world.url("review_conflict"), data)

    assert response.status_code == 200
    page = html(response)
    assert "<title>Error: " in page
    assert '<a href="#id_clear">Choose which version of Clear and informative to keep</a>' in page
    assert KeptReviewPost.objects.get().data["clear-reason"] == [MINE], "nothing changed"
    assert Review.objects.get().overall_comment == "From the first tab"


def test_a_version_saved_again_while_choosing_is_shown_again_to_choose(client, world, conflict, answers):
    client.post(world.url("review"), answers(action="save", lock_version="1", overall_comment="A third version"))

    response = client.post(
        world.url("review_conflict"),
        {"action": "combine", "saved_lock_version": "1", "clear": "yours", "overall_comment": "yours"},
    )

    assert response.status_code == 409
    page = html(response)
    assert "The saved version changed again while you were choosing." in page and "<title>Error: " in page
    assert "A third version" in page and 'name="saved_lock_version" value="2"' in page
    assert KeptReviewPost.objects.get().data["overall_comment"] == ["From the second tab"]


def test_the_conflict_page_shows_nothing_to_anyone_else(client, world, conflict):
    client.force_login(world.colleague)

    response = client.get(world.url("review_conflict"))

    assert response.status_code == 302 and response["Location"] == world.url("review")
    assert MINE not in html(client.get(world.url("review")))
