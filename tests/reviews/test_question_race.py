"""Asking the authors a question while the round closes, on two real PostgreSQL connections: the
question service reads the round under the shared lock a review's save takes, so closing waits for
a question being asked, and a question asked after the close is refused. PostgreSQL only: SQLite
serialises every writing transaction. CI runs this with BOLD_REQUIRE_SERVICES=1."""

import threading

import pytest
from django.core.exceptions import ValidationError

from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent
from reviews.models import Question, ReviewRound
from reviews.services import questions as services
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import (
    close_round,
    make_assignment,
    make_audience,
    make_author,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("The question and close race (FOR SHARE against FOR UPDATE on the round)")


@pytest.fixture
def paused(monkeypatch):
    """The question service in the thread named "ask" pauses right after its shared read of the
    round, its transaction open, until the test lets it go: (read, go on)."""
    read, go_on = threading.Event(), threading.Event()
    original = services.round_read_shared

    def round_read_shared(round_id):
        review_round = original(round_id)
        if threading.current_thread().name == "ask":
            read.set()
            assert go_on.wait(STEP_SECONDS), "the test never let the question go on"
        return review_round

    monkeypatch.setattr(services, "round_read_shared", round_read_shared)
    yield read, go_on
    go_on.set()


def test_closing_waits_for_a_question_being_asked_and_refuses_one_after_it(paused):
    read, go_on = paused
    audience = make_audience()
    audience_authors_add(audience=audience, users=[make_author()], actor=None)
    principle = make_principle()
    version = make_version(audience=audience)
    review_round = make_round(principles=[principle], versions=[version])
    early, late = make_reviewer(), make_reviewer()
    for reviewer in (early, late):
        make_assignment(review_round=review_round, version=version, reviewer=reviewer)

    def asker(reviewer):
        return lambda: services.question_ask(
            review_round=review_round, version=version, principle=principle, text="Who sees it?", actor=reviewer
        )

    asking = Step("ask", asker(early))
    asking.start()
    assert read.wait(STEP_SECONDS), "the question never read the round"
    closing = Step("close", lambda: close_round(review_round))
    closing.start()
    try:
        wait_until_blocked_by(closing, asking)
        assert ReviewRound.objects.get(pk=review_round.pk).status == ReviewRound.Status.OPEN
    finally:
        go_on.set()
    question = asking.outcome()
    closed = closing.outcome()

    assert closed.status == ReviewRound.Status.CLOSED
    assert Question.objects.get().pk == question.pk and question.asked_at <= closed.closed_at
    late_ask = Step("late", asker(late))
    late_ask.start()
    with pytest.raises(ValidationError, match="round has closed"):
        late_ask.outcome()
    assert Question.objects.count() == 1
    assert AuditEvent.objects.filter(action="question_asked").count() == 1
