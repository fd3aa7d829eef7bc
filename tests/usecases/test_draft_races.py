"""Two people saving the same draft at once, on two real PostgreSQL connections: the second save
waits for the first's row lock, then finds the draft saved since its page was opened and is refused,
so neither overwrites the other unseen. The same for two admins releasing a round's feedback.
PostgreSQL only: SQLite serialises every writing transaction. CI runs this with
BOLD_REQUIRE_SERVICES=1, where a missing PostgreSQL fails instead of skipping."""

import threading

import pytest
from django.core.exceptions import ValidationError

from matrix.models import FeedbackRelease
from matrix.services.feedback import feedback_release
from tests.concurrency import STEP_SECONDS, Step, held_in_transaction, require_postgresql, wait_until_blocked_by
from tests.factories import make_admin, make_author, make_round, make_version
from usecases.models import UseCaseDraft
from usecases.services import use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("The draft race (FOR UPDATE on the draft's row)")


def test_the_second_of_two_saves_at_once_waits_then_is_refused():
    author = make_author()
    draft = use_case_draft_start(use_case=make_version().use_case, actor=author)
    done, go_on = threading.Event(), threading.Event()
    first = Step(
        "first",
        held_in_transaction(
            lambda: use_case_draft_save(draft=draft, revision=1, changes={"will_do": "First"}, actor=author),
            done,
            go_on,
        ),
    )
    second = Step(
        "second", lambda: use_case_draft_save(draft=draft, revision=1, changes={"will_do": "Second"}, actor=author)
    )
    try:
        first.start()
        assert done.wait(STEP_SECONDS)
        second.start()
        wait_until_blocked_by(second, first)
    finally:
        go_on.set()
    first.outcome()
    with pytest.raises(ValidationError) as refused:
        second.outcome()

    assert refused.value.error_list[0].code == "stale"
    assert UseCaseDraft.objects.get(pk=draft.pk).will_do == "First"


def test_two_admins_releasing_a_rounds_feedback_at_once_release_it_once():
    review_round = make_round()
    first_admin, second_admin = make_admin(), make_admin()
    done, go_on = threading.Event(), threading.Event()
    first = Step(
        "first",
        held_in_transaction(lambda: feedback_release(review_round=review_round, actor=first_admin), done, go_on),
    )
    second = Step("second", lambda: feedback_release(review_round=review_round, actor=second_admin))
    try:
        first.start()
        assert done.wait(STEP_SECONDS)
        second.start()
        wait_until_blocked_by(second, first)
    finally:
        go_on.set()
    first.outcome()
    with pytest.raises(ValidationError, match="released already"):
        second.outcome()

    assert FeedbackRelease.objects.get().released_by == first_admin
