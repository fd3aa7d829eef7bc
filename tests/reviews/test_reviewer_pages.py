"""The reviewer journey through the Django test client, posting real form data."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from bold_portal.models import AuditEvent
from reviews.models import Review, ReviewRound, Verdict
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import make_assignment, make_round, make_version
from tests.pages import NAVIGATION_QUERIES, main_content

pytestmark = pytest.mark.django_db

CONFLICT_TEXT = "This review was changed in another tab or window since you opened it."


def html(response) -> str:
    return response.content.decode()


# My reviews


def test_my_reviews_lists_overdue_first_then_by_due_date_with_statuses(client, world):
    today = datetime.date.today()
    later = make_version(audience=world.audience, title="Later one")
    sooner = make_version(audience=world.audience, title="Sooner one")
    overdue = make_version(audience=world.audience, title="Overdue one")
    done_late = make_version(audience=world.audience, title="Submitted late one")
    for version, due in [
        (later, today + datetime.timedelta(days=20)),
        (sooner, today + datetime.timedelta(days=2)),
        (overdue, today - datetime.timedelta(days=3)),
        (done_late, today - datetime.timedelta(days=5)),
    ]:
        make_assignment(review_round=world.round, version=version, reviewer=world.reviewer, due_on=due)
    review_save(
        reviewer=world.reviewer,
        review_round=world.round,
        version=done_late,
        verdicts=[VerdictInput(principle_id=world.relevant.pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=False,
    )
    review = Review.objects.get(version=done_late)
    review_save(
        reviewer=world.reviewer,
        review_round=world.round,
        version=done_late,
        verdicts=[
            VerdictInput(principle_id=world.relevant.pk, verdict="meets"),
            VerdictInput(principle_id=world.clear.pk, verdict="meets"),
        ],
        overall_comment="",
        expected_lock_version=review.lock_version,
        submit=True,
    )
    review_save(
        reviewer=world.reviewer,
        review_round=world.round,
        version=sooner,
        verdicts=[],
        overall_comment="Half done",
        expected_lock_version=0,
        submit=False,
    )
    client.force_login(world.reviewer)

    response = client.get(reverse("reviews:my_reviews"))

    assert response.status_code == 200
    page = html(response)
    open_list = page[page.index('id="open-reviews"') :]
    # Submitted work is never overdue, and is out of the way at the end of its round.
    titles = ["Overdue one", "Sooner one", "Later one", world.version.title, "Submitted late one"]
    positions = [open_list.index(title) for title in titles]
    assert positions == sorted(positions), "overdue first, then by due date, then what is submitted"
    assert "Spring round" in open_list[: positions[0]], "under the round's heading"
    assert "1 of 5 submitted" in open_list[: positions[0]]

    def item(title):
        """From the title to the end of the item's status (the item has its own list of links)."""
        start = open_list.index(title)
        return open_list[start : open_list.index("</div>", open_list.index("govuk-task-list__status", start))]

    assert "Overdue" in item("Overdue one") and "Not started" in item("Overdue one")
    assert "Draft" in item("Sooner one") and "Overdue" not in item("Sooner one")
    assert "Submitted" in item("Submitted late one") and "Overdue" not in item("Submitted late one")
    assert "People experiencing homelessness" in item("Later one")
    assert f"Due {(today + datetime.timedelta(days=20)):%-d %B %Y}" in item("Later one")


def test_my_reviews_shows_organisation_assignments_and_recent_closed_rounds(client, world):
    closed = make_round(principles=[world.relevant], name="Winter round", status=ReviewRound.Status.CLOSED)
    old = make_version(audience=world.audience, title="Reviewed last winter")
    make_assignment(review_round=closed, version=old, organisation=world.organisation)
    client.force_login(world.colleague)

    page = html(client.get(reverse("reviews:my_reviews")))

    open_list = page[page.index('id="open-reviews"') : page.index('id="closed-reviews"')]
    assert world.version.title in open_list, "assigned to the colleague's organisation"
    closed_list = page[page.index('id="closed-reviews"') :]
    assert "Reviewed last winter" in closed_list and "Winter round" in closed_list


def test_my_reviews_hides_draft_rounds_and_other_peoples_work(client, world, other_organisation_reviewer):
    unopened = make_round(principles=[world.relevant], status=ReviewRound.Status.DRAFT)
    make_assignment(review_round=unopened, version=make_version(title="Not open yet"), reviewer=world.reviewer)
    client.force_login(world.reviewer)

    page = html(client.get(reverse("reviews:my_reviews")))

    assert "Not open yet" not in page
    client.force_login(other_organisation_reviewer)
    assert world.version.title not in html(client.get(reverse("reviews:my_reviews")))


@pytest.mark.parametrize("extra", [0, 18])
def test_my_reviews_query_count_does_not_grow(client, world, django_assert_num_queries, extra):
    closed = make_round(principles=[world.relevant], status=ReviewRound.Status.CLOSED)
    for n in range(extra):
        version = make_version(audience=world.audience)
        make_assignment(review_round=world.round, version=version, reviewer=world.reviewer)
        make_assignment(review_round=closed, version=version, organisation=world.organisation)
        if n % 2:
            save_draft(world, version)
    make_assignment(review_round=closed, version=world.version, reviewer=world.reviewer)
    client.force_login(world.reviewer)

    # session, user, the items shown with their rounds' figures, their assignments, navigation
    with django_assert_num_queries(4 + NAVIGATION_QUERIES):
        response = client.get(reverse("reviews:my_reviews"))
    assert response.status_code == 200


def save_draft(world, version):
    review_save(
        reviewer=world.reviewer,
        review_round=world.round,
        version=version,
        verdicts=[VerdictInput(principle_id=world.relevant.pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=False,
    )


# The use case page


def test_use_case_page_leads_with_why_it_matters_then_questions_data_and_limits(client, world):
    client.force_login(world.reviewer)

    page = html(client.get(world.url("use_case")))

    order = [
        page.index('id="why-it-matters"'),
        page.index('id="research-questions"'),
        page.index('id="data-flows"'),
        page.index('id="will-and-wont"'),
    ]
    assert order == sorted(order)
    assert page.index("Why this matters.") < page.index("What helps?") < page.index("Housing status")
    assert '<th scope="row" class="govuk-table__header">Housing status</th>' in page
    assert "Use anonymised data only" in page and "Make decisions about individuals" in page
    assert "Version 1," in page
    assert "1 May 2030" in page, "the reviewer's due date"
    assert "Review this use case" in page
    assert "Illustrative draft" not in page
    assert page.count("<h1") == 1


def test_use_case_page_tags_illustrative_drafts_and_names_the_next_step(client, world, answers):
    world.version.use_case.is_illustrative = True
    world.version.use_case.save()
    client.force_login(world.reviewer)
    assert "Illustrative draft" in html(client.get(world.url("use_case")))

    client.post(world.url("review"), answers(action="save"))
    assert "Continue your draft" in html(client.get(world.url("use_case")))

    client.post(world.url("review"), answers(lock_version="1"))
    assert "Change your review" in html(client.get(world.url("use_case")))


# The review form


def test_review_form_renders_one_fieldset_per_principle_in_order(client, world):
    client.force_login(world.reviewer)

    page = html(client.get(world.url("review")))

    assert page.index("Relevant") < page.index("Clear and informative")
    legends = re.findall(r'<h2 class="govuk-fieldset__heading">\s*(.+?)\s*</h2>', page)
    assert legends == ["Relevant", "Clear and informative", "Overall"]
    assert "What good looks like" in page and "It answers a question the audience cares about." in page
    for label in ("Meets the principle", "Does not meet the principle", "Not sure"):
        assert label in page
    assert 'id="id_relevant-verdict"' in page, "the first radio carries the group's id"
    assert 'id="id_relevant-verdict_2"' in page
    assert 'name="lock_version" value="0"' in page
    assert "Continue to check your answers" in page and "Save as draft" in page
    assert "What reviewers said" not in page and "summary/" not in page


def test_save_as_draft_keeps_a_half_filled_invalid_form_without_errors(client, world):
    client.force_login(world.reviewer)
    half_filled = {
        "relevant-verdict": "does_not_meet",
        "relevant-reason": "",
        "relevant-evidence": "Paragraph two",
        "clear-reason": "Still thinking about this",
        "overall_comment": "",
        "lock_version": "0",
        "action": "save",
    }

    response = client.post(world.url("review"), half_filled, follow=True)

    assert response.status_code == 200
    page = html(response)
    assert "Your draft has been saved" in page
    assert "There is a problem" not in page and "govuk-error-message" not in page
    assert "Paragraph two" in page and "Still thinking about this" in page
    assert re.search(r'id="id_relevant-verdict_2"\s+value="does_not_meet"\s+checked', page)
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.status == Review.Status.DRAFT
    verdicts = {v.principle.slug: v for v in review.verdicts.all()}
    assert verdicts["relevant"].verdict == "does_not_meet" and verdicts["relevant"].evidence == "Paragraph two"
    assert verdicts["clear"].verdict == "" and verdicts["clear"].reason == "Still thinking about this"
    assert 'name="lock_version" value="1"' in page


def test_submit_with_errors_shows_the_error_summary_linked_to_fields_and_saves_nothing(client, world, answers):
    client.force_login(world.reviewer)
    data = answers(**{"relevant-verdict": "", "clear-verdict": "not_sure", "clear-reason": "  "})

    response = client.post(world.url("review"), data)

    assert response.status_code == 200
    page = html(response)
    assert "<title>Error: " in page
    summary = page[page.index("govuk-error-summary") : page.index("</ul>", page.index("govuk-error-summary"))]
    assert (
        '<a href="#id_relevant-verdict">Choose whether the use case meets Relevant, does not meet it, '
        "or you are not sure</a>" in summary
    )
    assert '<a href="#id_clear-reason">Give a reason why you are not sure about Clear and informative</a>' in summary
    assert 'id="id_relevant-verdict"' in page and 'id="id_clear-reason"' in page
    assert page.count("govuk-error-message") == 2
    assert "govuk-form-group--error" in page
    assert 'aria-describedby="id_clear-reason_hint id_clear-reason-info id_clear-reason_1_error"' in page
    assert "Thank you." in page, "what was typed is shown again"
    assert not Review.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="review").exists()


def test_submit_names_the_principle_when_a_cross_has_no_reason(client, world, answers):
    client.force_login(world.reviewer)

    page = html(client.post(world.url("review"), answers(**{"clear-reason": ""})))

    assert '<a href="#id_clear-reason">Give a reason why the use case does not meet Clear and informative</a>' in page
    assert not Review.objects.exists()


def test_submit_success_shows_confirmation_and_records_the_review(client, world, answers):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers())

    assert response.status_code == 302 and response["Location"] == world.url("review_submitted")
    page = html(client.get(response["Location"]))
    assert "govuk-panel--confirmation" in page and "Review submitted" in page
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.status == Review.Status.SUBMITTED and review.organisation == world.organisation
    assert review.overall_comment == "Thank you."
    clear = review.verdicts.get(principle=world.clear)
    assert (clear.verdict, clear.reason, clear.suggested_rewording) == (
        "does_not_meet",
        "It does not say who receives the data.",
        "Name the receiving team.",
    )
    assert AuditEvent.objects.filter(action="review_submitted", object_id=str(review.pk)).count() == 1


def test_a_submitted_review_can_be_changed_and_each_change_is_recorded(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())

    page = html(client.get(world.url("review")))
    assert "Update review" in page and "Save as draft" not in page and "Last changed on" in page
    assert 'name="lock_version" value="1"' in page

    response = client.post(world.url("review"), answers(lock_version="1", **{"clear-verdict": "meets"}), follow=True)

    assert "Your review has been updated" in html(response)
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.status == Review.Status.SUBMITTED and review.lock_version == 2
    assert review.verdicts.get(principle=world.clear).verdict == Verdict.Choice.MEETS
    actions = list(AuditEvent.objects.filter(object_id=str(review.pk)).order_by("pk").values_list("action", flat=True))
    assert actions == ["review_submitted", "review_changed"]


def test_withdraw_asks_for_confirmation_then_stops_the_review_counting(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())

    page = html(client.get(world.url("review_withdraw")))
    assert "Are you sure you want to withdraw your review?" in page
    assert 'method="post"' in page and 'name="lock_version" value="1"' in page

    response = client.post(world.url("review_withdraw"), {"lock_version": "1"}, follow=True)

    assert "Your review has been withdrawn" in html(response)
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.status == Review.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="review_withdrawn", object_id=str(review.pk)).exists()

    # It can be submitted again.
    response = client.post(world.url("review"), answers(lock_version="2"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED


def test_withdraw_of_an_unsubmitted_review_changes_nothing(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers(action="save"))

    response = client.post(world.url("review_withdraw"), {"lock_version": "1"})

    assert response.status_code == 302 and response["Location"] == world.url("review")
    assert Review.objects.get(reviewer=world.reviewer).status == Review.Status.DRAFT


def test_a_stale_form_is_refused_and_shows_what_was_typed(client, world, answers):
    client.force_login(world.reviewer)
    first_tab = html(client.get(world.url("review")))
    second_tab = html(client.get(world.url("review")))
    assert 'name="lock_version" value="0"' in first_tab and 'name="lock_version" value="0"' in second_tab

    first = client.post(world.url("review"), answers(action="save", overall_comment="From the first tab"))
    second = client.post(world.url("review"), answers(action="save", overall_comment="From the second tab"))

    assert first.status_code == 302
    assert second.status_code == 409
    page = html(second)
    assert CONFLICT_TEXT in page and "<title>Error: " in page
    assert "From the second tab" in page, "nothing typed is lost"
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.overall_comment == "From the first tab" and review.lock_version == 1


def test_a_stale_withdraw_is_refused(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    client.post(world.url("review"), answers(lock_version="1"))

    response = client.post(world.url("review_withdraw"), {"lock_version": "1"})

    assert response.status_code == 409 and CONFLICT_TEXT in html(response)
    assert Review.objects.get(reviewer=world.reviewer).status == Review.Status.SUBMITTED


def test_closed_round_shows_the_review_read_only_and_refuses_changes(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    world.close_round()

    page = main_content(client.get(world.url("review")))

    # The day it actually closed (early, today), not the planned closing date (30 June 2030).
    assert f"This round closed on {timezone.localdate():%-d %B %Y}. You can no longer change your review." in page
    assert "30 June 2030" not in page
    assert "<form" not in page
    assert "It does not say who receives the data." in page
    for url, data in [
        (world.url("review"), answers(lock_version="1", overall_comment="Too late")),
        (world.url("review_withdraw"), {"lock_version": "1"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 403
        assert "You can no longer change your review." in html(response)
    review = Review.objects.get(reviewer=world.reviewer)
    assert review.overall_comment == "Thank you." and review.status == Review.Status.SUBMITTED


def test_closed_round_use_case_page_offers_no_review_button(client, world):
    world.close_round()
    client.force_login(world.reviewer)

    page = main_content(client.get(world.url("use_case")))

    assert "Review this use case" not in page and "You can no longer change your review." in page
    closed_on = f"{timezone.localdate():%-d %B %Y}"
    assert f"This round closed on {closed_on}." in page
    assert re.search(rf"Round closed</dt>\s*<dd[^>]*>{closed_on}</dd>", page)
    assert "30 June 2030" not in page and "1 May 2030" not in page, "no planned or due date once closed"


def test_closed_rounds_show_when_they_actually_closed_not_their_planned_date(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    world.close_round()
    # Planned for 30 June 2030; closed early, on 3 March 2026.
    closed_at = timezone.make_aware(datetime.datetime(2026, 3, 3, 12, 0))
    ReviewRound.objects.filter(pk=world.round.pk).update(closed_at=closed_at)

    pages = {name: main_content(client.get(world.url(name))) for name in ("use_case", "review")}
    my_reviews = html(client.get(reverse("reviews:my_reviews")))

    assert "This round closed on 3 March 2026. You can no longer change your review." in pages["use_case"]
    assert "This round closed on 3 March 2026. You can no longer change your review." in pages["review"]
    closed_list = my_reviews[my_reviews.index('id="closed-reviews"') :]
    assert "Round closed on 3 March 2026" in closed_list
    for page in [*pages.values(), closed_list]:
        assert "30 June 2030" not in page


def test_a_colleague_reviewing_for_the_same_organisation_writes_a_separate_review(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers(overall_comment="Mine"))
    client.force_login(world.colleague)

    page = html(client.get(world.url("review")))
    assert "Mine" not in page and 'name="lock_version" value="0"' in page
    client.post(world.url("review"), answers(overall_comment="Theirs", action="save"))

    comments = dict(Review.objects.values_list("reviewer__email", "overall_comment"))
    assert comments == {"reviewer@crisis.example": "Mine", "colleague@crisis.example": "Theirs"}


def test_an_unknown_button_value_saves_a_draft_not_a_submission(client, world, answers):
    client.force_login(world.reviewer)

    client.post(world.url("review"), answers(action="something-else"))

    assert Review.objects.get().status == Review.Status.DRAFT


def test_tampered_verdict_value_is_refused_with_a_message(client, world, answers):
    client.force_login(world.reviewer)

    response = client.post(world.url("review"), answers(**{"relevant-verdict": "maybe"}, action="save"))

    assert response.status_code == 200
    assert (
        '<a href="#id_relevant-verdict">Choose whether the use case meets Relevant, does not meet it, '
        "or you are not sure</a>" in html(response)
    )
    assert "maybe" not in main_content(response).split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert not Review.objects.exists()


@pytest.mark.parametrize("lock_version", [None, "", "-1", "two"])
def test_a_missing_or_broken_lock_version_is_refused_with_a_message(client, world, answers, lock_version):
    client.force_login(world.reviewer)
    data = answers(lock_version=lock_version)
    if lock_version is None:
        del data["lock_version"]

    response = client.post(world.url("review"), data)

    assert response.status_code == 200
    assert '<a href="#id_overall_comment">The form is out of date. Reload the page and try again.</a>' in html(response)
    assert not Review.objects.exists()


@pytest.mark.parametrize("principles", [2, 8])
def test_review_form_query_count_does_not_grow_with_principles(
    client, world, answers, django_assert_num_queries, principles
):
    from tests.factories import make_principle

    for _ in range(principles - 2):
        world.round.principles.add(make_principle())
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers(action="save"))

    # session, user, the round with the version (one statement), assignments, own review + verdicts
    # (which also tell whether the reviewer has submitted: that decides whether they see the
    # summary and whose questions they read in a blind round), declared interest, principles, a
    # kept post of the form (reviews.services.kept_posts), navigation (its groups query is cached
    # from the page's own permission checks) and the questions to the authors
    with django_assert_num_queries(11 + NAVIGATION_QUERIES - 1):
        response = client.get(world.url("review"))
    assert response.status_code == 200


def test_a_submitted_review_cannot_be_saved_back_to_draft(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())

    response = client.post(world.url("review"), answers(lock_version="1", action="save", overall_comment="Changed"))

    assert response.status_code == 200
    assert "A submitted review cannot go back to draft. Update it or withdraw it." in html(response)
    review = Review.objects.get(reviewer=world.reviewer)
    assert (review.status, review.overall_comment, review.lock_version) == ("submitted", "Thank you.", 1)


def test_recently_closed_rounds_list_the_round_that_closed_last_first(client, world):
    def closed_round(closed_on, planned=None):
        return make_round(
            principles=[world.relevant],
            status=ReviewRound.Status.CLOSED,
            closed_at=timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(12))),
            closes_on=planned,
        )

    # What counts is when each round actually closed, not when it was planned to.
    older = closed_round(datetime.date(2024, 1, 1), planned=datetime.date(2026, 1, 1))
    newer = closed_round(datetime.date(2025, 1, 1), planned=datetime.date(2024, 6, 1))
    unplanned = closed_round(datetime.date(2024, 6, 1))
    for review_round, title in [(older, "Closed 2024"), (unplanned, "Closed mid-2024"), (newer, "Closed 2025")]:
        make_assignment(review_round=review_round, version=make_version(title=title), reviewer=world.reviewer)
    client.force_login(world.reviewer)

    page = html(client.get(reverse("reviews:my_reviews")))

    closed = page[page.index('id="closed-reviews"') :]
    assert closed.index("Closed 2025") < closed.index("Closed mid-2024") < closed.index("Closed 2024")
    assert "Round closed on 1 January 2025" in closed and "Round closed on 1 January 2024" in closed


def test_every_reviewer_page_has_one_h1_and_unique_ids(client, world, answers, django_capture_on_commit_callbacks):
    client.force_login(world.reviewer)
    error_page = html(client.post(world.url("review"), answers(**{"relevant-verdict": ""})))
    with django_capture_on_commit_callbacks(execute=True):  # the matrix is recomputed after commit
        client.post(world.url("review"), answers())
    pages = [error_page] + [
        html(client.get(url))
        for url in [
            reverse("reviews:my_reviews"),
            *(
                world.url(name)
                for name in ["use_case", "review", "review_submitted", "review_withdraw", "matrix:version_summary"]
            ),
        ]
    ]
    assert "What reviewers said" in pages[-1] and "Meets the principle" in pages[-1]
    for page in pages:
        assert page.count("<h1") == 1
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        assert 'for=""' not in page and 'id=""' not in page
