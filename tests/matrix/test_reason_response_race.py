"""Two authors answering the same "does not meet" reason at the same moment, on two real PostgreSQL
connections: the service locks the verdict's row, so the second waits for the first, then finds an
answer newer than the one its page showed and is refused; nothing is overwritten unseen.
PostgreSQL only: SQLite serialises every writing transaction. CI runs this with BOLD_REQUIRE_SERVICES=1."""

import threading

import pytest
from django.db import transaction

from matrix.models import ReasonResponse
from matrix.services import responses as services
from matrix.services.responses import ResponseConflict
from tests.concurrency import STEP_SECONDS, Step, require_postgresql, wait_until_blocked_by
from tests.factories import make_author
from tests.matrix.test_reason_responses import World

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("Two authors answering one reason (FOR UPDATE on the verdict)")


def test_the_second_author_waits_then_is_refused(monkeypatch):
    world = World()
    second_author = make_author()
    world.audience.authors.add(second_author)
    saved, go_on = threading.Event(), threading.Event()
    original = services.audit

    def audit(**kwargs):
        event = original(**kwargs)
        if threading.current_thread().name == "first":
            saved.set()
            assert go_on.wait(STEP_SECONDS), "the test never let the first answer commit"
        return event

    monkeypatch.setattr(services, "audit", audit)

    def answer(author, text):
        def run():
            with transaction.atomic():
                return services.reason_respond(
                    verdict_id=world.verdict.pk, kind="changed", text=text, expected_revision=0, actor=author
                )

        return run

    first = Step("first", answer(world.author, "Section 3 names the team."))
    first.start()
    try:
        assert saved.wait(STEP_SECONDS), "the first answer never reached its audit row"
        second = Step("second", answer(second_author, "We named the team."))
        second.start()
        wait_until_blocked_by(second, first)
    finally:
        go_on.set()
    assert first.outcome().revision == 1
    with pytest.raises(ResponseConflict):
        second.outcome()
    assert list(ReasonResponse.objects.values_list("text", "revision")) == [("Section 3 names the team.", 1)]
