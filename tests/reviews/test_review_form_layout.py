"""Read and judge on one page (docs/reviewer-journey.md, "The review form"): each principle with the
use case's text it asks about, Save as draft under every principle coming back to it, and "check
your answers" before submitting. Through the test client, posting real form data."""

import re

import pytest

from principles.models import Principle
from reviews.models import Review
from reviews.services.reviews import VerdictInput, review_save
from tests.pages import main_content

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def form_data(**fields) -> dict:
    data = {"lock_version": "0", "overall_comment": "", "action": "save"}
    data.update(fields)
    return data


def save_draft(world, verdicts, *, comment="", lock_version=0) -> Review:
    return review_save(
        reviewer=world.reviewer,
        review_round=world.round,
        version=world.version,
        verdicts=verdicts,
        overall_comment=comment,
        expected_lock_version=lock_version,
        submit=False,
    )


def principle_block(page: str, slug: str) -> str:
    start = page.index(f'id="principle-{slug}"')
    end = page.find('class="portal-review-principle"', start)
    return page[start : end if end != -1 else len(page)]


def test_each_principle_shows_the_use_case_text_it_asks_about_narrow_and_wide(client, world):
    Principle.objects.filter(pk=world.relevant.pk).update(reads_sections=["impact_statement", "data_flows"])
    client.force_login(world.reviewer)

    page = html(client.get(world.url("review")))

    relevant = principle_block(page, "relevant")
    # In a details element inside the fieldset (a narrow screen), and beside it (a wide one).
    details = relevant[relevant.index('<details class="govuk-details portal-review-principle__details">') :]
    assert "What the use case says for Relevant" in details[: details.index("</summary>")]
    assert relevant.index("portal-review-principle__details") < relevant.index("</fieldset>")
    wide = relevant[relevant.index('class="portal-review-principle__use-case"') :]
    assert relevant.index("</fieldset>") < relevant.index('class="portal-review-principle__use-case"')
    for part in (details, wide):
        assert "Why this matters." in part and "Housing status" in part and "Councils" in part
        assert "Make decisions about individuals" not in part, "only the sections the principle reads"
    assert 'id="relevant-narrow-impact_statement"' in details and 'id="relevant-wide-impact_statement"' in wide
    # A principle that reads nothing shows nothing of the kind.
    assert "What the use case says" not in principle_block(page, "clear")


def test_save_as_draft_under_a_principle_saves_everything_and_comes_back_to_it(client, world):
    client.force_login(world.reviewer)

    response = client.post(
        world.url("review"),
        form_data(**{"action": "save:clear", "relevant-reason": "Half a thought", "overall_comment": "So far"}),
    )

    assert response.status_code == 302
    assert response["Location"] == world.url("review") + "?saved=clear#save-clear"
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.status == "draft" and review.overall_comment == "So far"
    assert review.verdicts.get(principle=world.relevant).reason == "Half a thought"
    saved = client.get(response["Location"])
    page = html(saved)
    assert 'id="saved-clear"' in principle_block(page, "clear")
    assert "Your draft has been saved" in main_content(saved)
    # Every principle has its own button, naming it for screen readers.
    buttons = re.findall(r'<button type="submit" name="action" value="save:([a-z-]+)"', page)
    assert buttons == ["relevant", "clear"]
    assert '<span class="govuk-visually-hidden"> (Relevant)</span>' in page


def test_a_save_naming_no_principle_of_the_round_comes_back_to_the_top(client, world):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), form_data(action="save:somewhere-else"))

    assert response.status_code == 302 and response["Location"] == world.url("review")
    assert Review.objects.filter(reviewer=world.reviewer).exists()


def test_continue_checks_the_answers_first_and_saves_nothing_when_something_is_missing(client, world):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), form_data(**{"action": "check", "relevant-verdict": "does_not_meet"}))

    assert response.status_code == 200
    page = html(response)
    assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
    assert 'href="#id_relevant-reason">Give a reason why the use case does not meet Relevant</a>' in page
    assert not Review.objects.exists()


def test_continue_saves_the_draft_and_shows_it_to_check_with_a_change_link_per_answer(client, world):
    client.force_login(world.reviewer)
    data = form_data(
        **{
            "action": "check",
            "relevant-verdict": "meets",
            "clear-verdict": "not_sure",
            "clear-reason": "Which councils?",
            "overall_comment": "Thank you",
        }
    )

    response = client.post(world.url("review"), data)

    assert response.status_code == 302 and response["Location"] == world.url("review_check")
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.status == "draft", "saved, not yet submitted"
    content = main_content(client.get(response["Location"]))
    assert "Check your answers before submitting your review" in content
    assert "Which councils?" in content and "Thank you" in content and "Meets the principle" in content
    review_url = world.url("review")
    for anchor in ("id_relevant-verdict", "id_clear-reason", "id_clear-evidence", "id_overall_comment"):
        assert f'href="{review_url}#{anchor}"' in content
    assert 'Change<span class="govuk-visually-hidden"> Clear and informative: Reason</span>' in content


def test_submitting_from_check_your_answers_submits_the_saved_draft(client, world):
    review = save_draft(
        world,
        [
            VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
    )
    client.force_login(world.reviewer)

    opened_with = review.lock_version

    response = client.post(world.url("review_check"), {"lock_version": opened_with})

    assert response.status_code == 302 and response["Location"] == world.url("review_submitted")
    review.refresh_from_db()
    assert review.status == "submitted" and review.lock_version == opened_with + 1


def test_check_your_answers_refuses_a_draft_not_fit_to_submit_and_links_back_to_the_form(client, world):
    review = save_draft(world, [VerdictInput(principle_id=world.relevant.pk, verdict="does_not_meet")])
    client.force_login(world.reviewer)

    response = client.post(world.url("review_check"), {"lock_version": review.lock_version})

    assert response.status_code == 200
    page = html(response)
    assert "<title>Error: " in page and 'href="#answers"' in page
    review.refresh_from_db()
    assert review.status == "draft"


@pytest.mark.parametrize("lock_version", ["", "x", "-1"])
def test_check_your_answers_with_a_broken_lock_version_submits_nothing(client, world, lock_version):
    save_draft(
        world,
        [
            VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
    )
    client.force_login(world.reviewer)

    response = client.post(world.url("review_check"), {"lock_version": lock_version})

    assert response.status_code == 409 and "<title>Error: " in html(response)
    assert Review.objects.get().status == "draft"


def test_check_your_answers_saved_again_elsewhere_shows_the_latest_and_submits_nothing(client, world):
    review = save_draft(
        world,
        [
            VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
    )
    client.force_login(world.reviewer)
    opened_with = review.lock_version
    save_draft(
        world,
        [
            VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
        comment="Written in the other tab",
        lock_version=opened_with,
    )

    response = client.post(world.url("review_check"), {"lock_version": opened_with})

    assert response.status_code == 409
    page = html(response)
    assert "since you opened this page, so it has not been submitted" in page
    assert "Written in the other tab" in main_content(response)
    assert f'name="lock_version" value="{opened_with + 1}"' in page, "the page now carries the latest version"
    assert Review.objects.get().status == "draft"


def test_check_your_answers_without_a_draft_or_once_submitted_goes_to_the_form(client, world):
    client.force_login(world.reviewer)
    assert client.get(world.url("review_check"))["Location"] == world.url("review")
    review = save_draft(
        world,
        [
            VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
    )
    client.post(world.url("review_check"), {"lock_version": review.lock_version})

    assert client.get(world.url("review_check"))["Location"] == world.url("review")
