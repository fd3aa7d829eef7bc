""" "You said, we did" (docs/authors.md): authors answer each "does not meet" reason of a version once
they can read it; the organisations that reviewed read the answers beside the next version's diff;
analysts see which are still unanswered."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent
from matrix.models import ReasonResponse
from matrix.selectors.responses import responses_by_version
from matrix.services.feedback import feedback_release
from matrix.services.responses import ResponseConflict, reason_respond
from reviews.models import Verdict
from tests.factories import (
    close_round,
    make_admin,
    make_analyst,
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
    """Version 1 of a use case of audience A, reviewed in a round by a member of Crisis (one "does
    not meet" reason) and of Nacro (meets); version 2 published since. An author of A, an author
    of B."""

    def __init__(self, *, close=True):
        self.audience = make_audience(name="People experiencing homelessness")
        self.crisis = make_organisation(name="Crisis", audiences=[self.audience])
        nacro = make_organisation(name="Nacro", audiences=[self.audience])
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.clear = make_principle(name="Clear and informative", slug="clear", order=2)
        self.v1 = make_version(audience=self.audience, title="Health after temporary housing")
        self.v2 = make_version(use_case=self.v1.use_case, number=2, title="Health after temporary housing")
        self.round = make_round(principles=[self.relevant, self.clear], versions=[self.v1], name="Spring")
        self.reviewer = make_reviewer(organisation=self.crisis)
        self.colleague = make_reviewer(organisation=self.crisis)
        self.other_reviewer = make_reviewer(organisation=nacro)
        self.stranger = make_reviewer()
        make_assignment(review_round=self.round, version=self.v1, organisation=self.crisis)
        make_assignment(review_round=self.round, version=self.v1, organisation=nacro)
        submit(
            self.reviewer,
            self.round,
            self.v1,
            {self.relevant: "meets", self.clear: ("does_not_meet", "It does not say who receives the data.", "", "")},
        )
        submit(self.other_reviewer, self.round, self.v1, {self.relevant: "meets", self.clear: "meets"})
        if close:
            close_round(self.round)
        self.verdict = Verdict.objects.get(principle=self.clear, verdict="does_not_meet")
        self.author = make_author()
        self.other_author = make_author()
        audience_authors_add(audience=self.audience, users=[self.author], actor=None)
        audience_authors_add(audience=make_audience(), users=[self.other_author], actor=None)

    def answer(self, *, by=None, kind="changed", text="Section 3 now names the council's research team.", rev=0):
        return reason_respond(
            verdict_id=self.verdict.pk, kind=kind, text=text, expected_revision=rev, actor=by or self.author
        )

    def answer_url(self):
        return reverse("authors:reason_response", args=[self.v1.use_case.slug, 1, self.verdict.pk])

    def compare_url(self):
        return reverse("authors:version_compare", args=[self.v1.use_case.slug]) + "?earlier=1&later=2"


@pytest.fixture
def world():
    return World()


def test_the_author_answers_a_reason_through_the_page_and_it_is_audited(world, client):
    client.force_login(world.author)
    version_page = client.get(reverse("authors:version", args=[world.v1.use_case.slug, 1])).content.decode()
    assert "It does not say who receives the data." in version_page and world.answer_url() in version_page

    response = client.post(
        world.answer_url(), {"kind": "changed", "text": "Section 3 names the research team.", "revision": "0"}
    )

    assert response.status_code == 302
    saved = ReasonResponse.objects.get()
    assert (saved.verdict, saved.kind, saved.revision, saved.answered_by) == (world.verdict, "changed", 1, world.author)
    row = AuditEvent.objects.get(action="reason_answered")
    assert row.after == {"kind": "changed", "text": "Section 3 names the research team."}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "We changed it.", "revision": "0"}, "Choose whether you changed the use case"),
        ({"kind": "changed", "text": "  ", "revision": "0"}, "Say what changed, or why you did not change it"),
        ({"kind": "maybe", "text": "We changed it.", "revision": "0"}, "Select a valid choice"),
        ({"kind": "changed", "text": "x" * 2_001, "revision": "0"}, "Your answer must be 2,000 characters or fewer"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(world, client, data, message):
    client.force_login(world.author)
    response = client.post(world.answer_url(), data)
    body = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in body and message in body
    assert not ReasonResponse.objects.exists()


def test_an_answer_started_from_an_older_one_is_refused_not_overwritten(world, client):
    world.answer()
    with pytest.raises(ResponseConflict):
        world.answer(text="We did not change it.", kind="not_changed")
    client.force_login(world.author)
    response = client.post(world.answer_url(), {"kind": "not_changed", "text": "Another view.", "revision": "0"})
    assert response.status_code == 409 and "Another author answered this reason" in response.content.decode()
    assert ReasonResponse.objects.get().text == "Section 3 now names the council's research team."

    changed = world.answer(kind="not_changed", text="On reflection the text was clear.", rev=1)
    assert (changed.revision, changed.kind) == (2, "not_changed")


def test_an_author_of_another_audience_is_refused(world, client):
    client.force_login(world.other_author)
    assert client.get(world.answer_url()).status_code == 404
    with pytest.raises(ValidationError, match="cannot answer reasons"):
        world.answer(by=world.other_author)
    assert not ReasonResponse.objects.exists()


def test_a_reason_of_an_open_round_waits_for_the_release_and_a_meets_verdict_has_nothing_to_answer(client):
    world = World(close=False)
    client.force_login(world.author)
    assert client.get(world.answer_url()).status_code == 404
    with pytest.raises(ValidationError, match="once authors can read it"):
        world.answer()
    feedback_release(review_round=world.round, actor=make_admin())
    assert world.answer().revision == 1
    meets = Verdict.objects.get(principle=world.relevant, review__reviewer=world.reviewer)
    with pytest.raises(ValidationError, match="does not meet"):
        reason_respond(verdict_id=meets.pk, kind="changed", text="x", expected_revision=0, actor=world.author)


def test_the_organisations_that_reviewed_read_the_answers_beside_the_diff(world, client):
    world.answer()
    for person in (world.reviewer, world.colleague, world.other_reviewer, world.author, make_analyst()):
        client.force_login(person)
        page = client.get(world.compare_url())
        assert page.status_code == 200, person
        body = page.content.decode()
        assert "You said, we did" in body
        assert "It does not say who receives the data." in body
        assert "Section 3 now names the council&#x27;s research team." in body
        assert "Reviewer 1: does not meet Clear and informative" in body
        assert world.reviewer.email not in body and "Crisis" not in body
    client.force_login(world.stranger)
    assert client.get(world.compare_url()).status_code == 404


def test_analysts_see_the_unanswered_reasons_per_version_and_the_list(world, client):
    client.force_login(make_analyst())
    url = reverse("matrix:reason_responses")
    body = client.get(url).content.decode()
    assert "Health after temporary housing, version 1" in body
    assert "It does not say who receives the data." in body
    assert [(row.reasons, row.unanswered) for row in responses_by_version()] == [(1, 1)]

    world.answer()
    body = client.get(url).content.decode()
    assert [(row.reasons, row.unanswered) for row in responses_by_version()] == [(1, 0)]
    assert "Every reason has an answer." in body
    client.force_login(world.author)
    assert client.get(url).status_code == 404


def test_a_reviewer_who_submitted_follows_the_use_case_from_the_summary_to_the_next_versions_answers(world, client):
    client.force_login(world.reviewer)
    summary = reverse("matrix:version_summary", args=[world.round.slug, world.v1.use_case.slug, 1])
    body = client.get(summary).content.decode()
    assert world.compare_url().replace("&", "&amp;") in body
    client.force_login(world.colleague)  # who did not submit: no link (the compare page is the organisation's)
    assert world.compare_url().replace("&", "&amp;") not in client.get(summary).content.decode()


def test_the_pages_make_as_many_queries_for_many_rounds_and_reasons_as_for_one(
    world, client, django_assert_num_queries
):
    client.force_login(world.author)
    client.get(world.compare_url())
    with django_assert_num_queries(14):
        client.get(world.compare_url())
    client.force_login(make_analyst())
    analysts = reverse("matrix:reason_responses")
    client.get(analysts)
    with django_assert_num_queries(8):
        client.get(analysts)
    for name in ("Summer", "Autumn"):
        later = make_round(principles=[world.clear], versions=[world.v1], name=name)
        make_assignment(review_round=later, version=world.v1, organisation=world.crisis)
        submit(world.reviewer, later, world.v1, {world.clear: ("does_not_meet", f"Still unclear in {name}.", "", "")})
        close_round(later)

    client.force_login(world.author)
    with django_assert_num_queries(14):
        page = client.get(world.compare_url())
    assert (
        "Still unclear in Summer." in page.text
        and "Reviewer 1: does not meet Clear and informative (Autumn)" in page.text
    )
    client.force_login(make_analyst())
    other = make_version(audience=world.audience, title="Support after release")
    spring = make_round(principles=[world.clear], versions=[other], name="Winter")
    make_assignment(review_round=spring, version=other, organisation=world.crisis)
    submit(world.reviewer, spring, other, {world.clear: ("does_not_meet", "Who is it for?", "", "")})
    close_round(spring)
    with django_assert_num_queries(8):
        page = client.get(analysts)
    assert "Who is it for?" in page.text and "Still unclear in Autumn." in page.text
