"""Reviewers' questions to a use case's authors and the answers (docs/reviewer-journey.md, "Asking
the authors a question"; docs/authors.md, "Questions from reviewers"): through the services, and
through the pages with their real forms."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audiences.models import Membership
from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent, OutboxMessage
from reviews.models import Question, QuestionAnswer
from reviews.selectors.questions import waiting_question_counts
from reviews.services.questions import question_answer, question_ask
from reviews.services.review_links import review_link_send
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from tests.factories import (
    close_round,
    make_admin,
    make_assignment,
    make_audience,
    make_author,
    make_organisation,
    make_principle,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import make_reviewer, submit

pytestmark = pytest.mark.django_db


class World:
    """A blind, open round with one version of audience A given to three reviewers in person; an
    author of A and an author of another audience B."""

    def __init__(self, *, blind=True):
        self.audience = make_audience(name="People experiencing homelessness")
        organisation = make_organisation(name="Crisis", audiences=[self.audience])
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.clear = make_principle(name="Clear and informative", slug="clear", order=2)
        self.version = make_version(audience=self.audience, title="Health after temporary housing")
        self.round = make_round(principles=[self.relevant, self.clear], versions=[self.version], is_blind=blind)
        self.asker, self.other, self.third = (make_reviewer(organisation=organisation) for _ in range(3))
        for reviewer in (self.asker, self.other, self.third):
            make_assignment(review_round=self.round, version=self.version, reviewer=reviewer)
        self.author = make_author(email="author@example.org")
        self.other_author = make_author(email="other.author@example.org")
        audience_authors_add(audience=self.audience, users=[self.author], actor=None)
        audience_authors_add(audience=make_audience(), users=[self.other_author], actor=None)

    def ask(self, text="How often do councils send the records?", *, by=None, principle=None):
        return question_ask(
            review_round=self.round,
            version=self.version,
            principle=principle or self.clear,
            text=text,
            actor=by or self.asker,
        )

    def review_url(self):
        return reverse("reviews:review", args=[self.round.slug, self.version.use_case.slug, self.version.number])

    def ask_url(self, principle_slug="clear"):
        return reverse(
            "reviews:question_ask",
            args=[self.round.slug, self.version.use_case.slug, self.version.number, principle_slug],
        )

    def reviewer_answer_url(self, question):
        return reverse(
            "reviews:question_answer",
            args=[self.round.slug, self.version.use_case.slug, self.version.number, question.pk],
        )

    def author_answer_url(self, question):
        return reverse("authors:question_answer", args=[self.version.use_case.slug, self.version.number, question.pk])

    def author_list_url(self):
        return reverse("authors:questions", args=[self.version.use_case.slug, self.version.number])


@pytest.fixture
def world():
    return World()


def test_asking_stores_the_question_audits_it_and_emails_the_audiences_authors_only(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        question = world.ask()

    assert (question.round, question.version, question.principle, question.asked_by) == (
        world.round,
        world.version,
        world.clear,
        world.asker,
    )
    row = AuditEvent.objects.get(action="question_asked")
    assert row.actor_id == world.asker.pk and row.after == {"text": "How often do councils send the records?"}
    emails = OutboxMessage.objects.filter(kind="question_arrived")
    assert [email.recipient for email in emails] == ["author@example.org"]
    assert "How often do councils send the records?" in emails[0].text
    assert world.asker.email not in emails[0].text


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("   ", "text", "Enter your question"),
        ("x" * 2_001, "text", "A question must be 2,000 characters or fewer."),
        ("Why\x00?", "text", None),
    ],
)
def test_a_bad_question_is_refused_with_a_clear_message_and_nothing_changes(world, text, field, message):
    with pytest.raises(ValidationError) as error:
        world.ask(text)
    assert field in error.value.message_dict
    if message:
        assert message in error.value.message_dict[field][0]
    assert not Question.objects.exists() and not AuditEvent.objects.filter(action="question_asked").exists()
    assert not OutboxMessage.objects.exists()


def test_nobody_asks_in_a_closed_round_about_a_principle_outside_it_or_without_an_assignment(world):
    with pytest.raises(ValidationError, match="principle of this round"):
        world.ask(principle=make_principle())
    with pytest.raises(ValidationError, match="cannot ask questions"):
        world.ask(by=make_reviewer())
    close_round(world.round)
    world.round.refresh_from_db()
    with pytest.raises(ValidationError, match="round has closed"):
        world.ask()
    assert not Question.objects.exists()


def test_the_author_answers_and_the_asker_is_emailed_and_sees_it_at_once(
    world, client, django_capture_on_commit_callbacks
):
    question = world.ask()
    client.force_login(world.author)
    page = client.get(world.author_list_url()).content.decode()
    assert "How often do councils send the records?" in page
    assert "1 question waiting for your answer" in page
    assert world.asker.email not in page and "Crisis" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(world.author_answer_url(question), {"text": "Monthly, by secure transfer."})
    assert response.status_code == 302

    answer = QuestionAnswer.objects.get()
    assert (answer.side, answer.answered_by) == (QuestionAnswer.Side.AUTHOR, world.author)
    assert AuditEvent.objects.filter(action="question_answered", actor_id=world.author.pk).exists()
    email = OutboxMessage.objects.get(kind="question_answered")
    assert email.recipient == world.asker.email and "Monthly, by secure transfer." in email.text
    assert waiting_question_counts([world.version.pk]) == {}

    client.force_login(world.asker)
    form = client.get(world.review_url()).content.decode()
    assert "How often do councils send the records?" in form
    assert "Monthly, by secure transfer." in form and "The use case&#x27;s authors answered" in form


def test_an_author_of_another_audience_is_refused(world, client):
    question = world.ask()
    client.force_login(world.other_author)
    assert client.get(world.author_list_url()).status_code == 404
    assert client.get(world.author_answer_url(question)).status_code == 404
    assert client.post(world.author_answer_url(question), {"text": "Not mine to answer."}).status_code == 404
    with pytest.raises(ValidationError, match="cannot answer"):
        question_answer(question=question, text="Not mine to answer.", actor=world.other_author)
    assert not QuestionAnswer.objects.exists()


def test_a_programme_admin_answers_for_the_authors(world):
    answer = question_answer(question=world.ask(), text="The programme team answers.", actor=make_admin())
    assert answer.side == QuestionAnswer.Side.AUTHOR


def test_in_a_blind_round_others_see_questions_only_after_submitting_and_then_may_answer(world, client):
    question = world.ask()
    client.force_login(world.other)
    form = client.get(world.review_url()).content.decode()
    assert "How often do councils send the records?" not in form
    assert "questions show here once you have submitted your review." in form
    assert client.get(world.reviewer_answer_url(question)).status_code == 404
    with pytest.raises(ValidationError, match="cannot answer"):
        question_answer(question=question, text="I saw it too.", actor=world.other)

    submit(world.other, world.round, world.version, {world.relevant: "meets", world.clear: "meets"})
    form = client.get(world.review_url()).content.decode()
    assert "How often do councils send the records?" in form
    assert "A reviewer asked" in form  # the asker has no review yet: no number to show
    response = client.post(world.reviewer_answer_url(question), {"text": "Section 3 says monthly."})
    assert response.status_code == 302
    answer = QuestionAnswer.objects.get()
    assert answer.side == QuestionAnswer.Side.REVIEWER

    client.force_login(world.asker)
    form = client.get(world.review_url()).content.decode()
    assert "Reviewer 1 answered" in form and "Section 3 says monthly." in form
    assert world.other.email not in form


def test_in_a_round_that_is_not_blind_others_see_questions_at_once_pseudonymised(client):
    world = World(blind=False)
    submit(world.asker, world.round, world.version, {world.relevant: "meets", world.clear: "meets"})
    world.ask()
    client.force_login(world.third)
    form = client.get(world.review_url()).content.decode()
    assert "Reviewer 1 asked" in form and "How often do councils send the records?" in form
    assert world.asker.email not in form


def test_asking_through_the_review_form_saves_the_draft_first(world, client):
    client.force_login(world.asker)
    response = client.post(
        world.review_url(),
        {
            "relevant-verdict": "meets",
            "clear-verdict": "",
            "overall_comment": "",
            "lock_version": "0",
            "action": "ask:clear",
        },
    )
    assert response.status_code == 302 and response["Location"] == world.ask_url()
    assert world.asker.reviews.get().verdicts.get(principle=world.relevant).verdict == "meets"

    page = client.get(world.ask_url())
    assert page.status_code == 200
    refused = client.post(world.ask_url(), {"text": ""})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "<title>Error: " in body and "Enter your question" in body
    sent = client.post(world.ask_url(), {"text": "Who receives the data?"})
    assert sent.status_code == 302 and sent["Location"].endswith("#principle-clear")
    assert Question.objects.get().text == "Who receives the data?"


def test_the_ask_page_is_not_found_for_an_unknown_principle_or_a_reviewer_of_other_use_cases(world, client):
    client.force_login(world.asker)
    assert client.get(world.ask_url("no-such-principle")).status_code == 404
    client.force_login(make_reviewer())
    assert client.get(world.ask_url()).status_code == 404


def test_a_closed_rounds_question_is_shown_to_the_author_without_a_form_and_an_answer_is_refused(world, client):
    question = world.ask()
    close_round(world.round)
    client.force_login(world.author)
    page = client.get(world.author_answer_url(question))
    assert page.status_code == 200 and "can no longer be answered" in page.content.decode()
    refused = client.post(world.author_answer_url(question), {"text": "Too late."})
    assert refused.status_code == 200 and "<title>Error: " in refused.content.decode()
    assert not QuestionAnswer.objects.exists()


def test_the_authors_version_page_counts_questions_waiting(world, client):
    world.ask()
    world.ask("And who receives it?")
    client.force_login(world.author)
    page = client.get(reverse("authors:version", args=[world.version.use_case.slug, world.version.number]))
    assert "2 questions waiting for your answer" in page.content.decode()


def test_a_reviewers_own_answer_sends_no_email_to_themselves(world, django_capture_on_commit_callbacks):
    question = world.ask()
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question=question, text="Found it in section 3.", actor=world.asker)
    assert not OutboxMessage.objects.filter(kind="question_answered").exists()


def test_the_pages_make_as_many_queries_for_many_questions_and_answers_as_for_one(
    world, client, django_assert_num_queries
):
    submit(world.asker, world.round, world.version, {world.relevant: "meets", world.clear: "meets"})
    question_answer(question=world.ask(), text="Monthly.", actor=world.author)
    client.force_login(world.asker)
    client.get(world.review_url())
    with django_assert_num_queries(15):
        client.get(world.review_url())
    client.force_login(world.author)
    with django_assert_num_queries(11):
        client.get(world.author_list_url())

    for principle in (world.relevant, world.clear):
        for reviewer in (world.asker, world.other, world.third):
            question = world.ask(f"A question from {reviewer.pk}?", by=reviewer, principle=principle)
            question_answer(question=question, text="An answer.", actor=world.author)
            question_answer(question=question, text="A reviewer's answer.", actor=world.asker)

    client.force_login(world.asker)
    with django_assert_num_queries(15):
        page = client.get(world.review_url())
    assert page.text.count("An answer.") == 6
    client.force_login(world.author)
    with django_assert_num_queries(11):
        client.get(world.author_list_url())


def draft(reviewer, world):
    """A review saved as a draft, never submitted."""
    return review_save(
        reviewer=reviewer,
        review_round=world.round,
        version=world.version,
        verdicts=[VerdictInput(principle_id=world.relevant.pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=False,
    )


def test_a_closed_rounds_review_page_shows_the_questions_read_only_others_only_after_submitting(world, client):
    question = world.ask()
    question_answer(question=question, text="Monthly, from each council.", actor=world.author)
    draft(world.asker, world)
    draft(world.third, world)
    submit(world.other, world.round, world.version, {world.relevant: "meets", world.clear: "meets"})
    question_answer(question=question, text="Section 3 says so too.", actor=world.other)
    close_round(world.round)

    client.force_login(world.other)
    page = client.get(world.review_url()).text
    assert "This round closed on" in page and "<form" not in page.split("<main", 1)[1]
    questions = page.split('id="questions-clear"', 1)[1]
    assert "Reviewer 1 asked" in questions and "How often do councils send the records?" in questions
    assert "The use case&#x27;s authors answered" in questions and "Monthly, from each council." in questions
    assert "You answered" in questions and "Section 3 says so too." in questions
    assert world.reviewer_answer_url(question) not in page and world.ask_url() not in page
    assert "No questions yet." in page.split('id="questions-relevant"', 1)[1]

    client.force_login(world.asker)  # their own question, whether or not they submitted
    page = client.get(world.review_url()).text
    assert "You asked" in page and "Monthly, from each council." in page

    client.force_login(world.third)  # a blind round, and no review submitted: nobody else's questions
    page = client.get(world.review_url()).text
    assert "This round closed on" in page
    assert "How often do councils send the records?" not in page
    assert "questions are shown only to reviewers who submitted their review" in page


def test_the_read_only_review_page_makes_as_many_queries_for_many_questions_as_for_one(
    world, client, django_assert_num_queries
):
    submit(world.asker, world.round, world.version, {world.relevant: "meets", world.clear: "meets"})
    question_answer(question=world.ask(), text="Monthly.", actor=world.author)
    close_round(world.round)
    client.force_login(world.asker)
    client.get(world.review_url())
    with django_assert_num_queries(13):
        client.get(world.review_url())

    for principle in (world.relevant, world.clear):
        for reviewer in (world.asker, world.other, world.third):
            question = Question.objects.create(
                round=world.round, version=world.version, principle=principle, asked_by=reviewer, text="Why?"
            )
            QuestionAnswer.objects.create(
                question=question, side=QuestionAnswer.Side.AUTHOR, answered_by=world.author, text="An answer."
            )
    with django_assert_num_queries(13):
        page = client.get(world.review_url())
    assert page.text.count("An answer.") == 6


def test_withdrawing_ones_review_in_a_blind_round_hides_others_questions_again(world, client):
    world.ask()
    review = submit(world.other, world.round, world.version, {world.relevant: "meets", world.clear: "meets"})
    client.force_login(world.other)
    assert "How often do councils send the records?" in client.get(world.review_url()).text
    review_withdraw(review=review, actor=world.other, expected_lock_version=review.lock_version)
    page = client.get(world.review_url()).text
    assert "How often do councils send the records?" not in page
    assert "once you have submitted your review" in page


def test_a_personal_links_session_asks_from_the_review_form_and_the_audit_row_says_so(world, client):
    lead = make_reviewer(organisation=world.asker.memberships.get().organisation, role=Membership.Role.LEAD)
    token = review_link_send(person=world.asker, review_round=world.round, actor=lead)[1]
    client.post(reverse("reviews:review_link", args=[token]))

    assert client.get(world.ask_url()).status_code == 200
    response = client.post(world.ask_url(), {"text": "Who receives the data?"})

    assert response.status_code == 302
    row = AuditEvent.objects.get(action="question_asked")
    assert row.data.get("signed_in_with") == "personal_link"
    assert "You asked" in client.get(world.review_url()).text
