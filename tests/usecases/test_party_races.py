"""An admin changing the list of data parties while others write, on real PostgreSQL connections:
a merge waits for an author's save of a draft naming the party, and a merge or a rename for a save
adding a draft's first mention of it, then renames what was saved; of two
merges at once of the same party, the second waits and is refused in words. PostgreSQL only:
SQLite serialises every writing transaction."""

import threading

import pytest
from django.core.exceptions import ValidationError

from bold_portal.models import AuditEvent
from tests.concurrency import STEP_SECONDS, Step, held_in_transaction, require_postgresql, wait_until_blocked_by
from tests.factories import make_author, make_version
from tests.usecases.support import WRITTEN, make_written_parties
from usecases.models import DataParty, UseCaseDraft
from usecases.services import data_party_change, data_party_merge, use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _postgresql_only():
    require_postgresql("The data party races (FOR UPDATE on the parties' and drafts' rows)")


def race(first_action, second_action):
    """first_action runs and holds its transaction open; second_action starts, must wait for it;
    then both finish. Their Steps, to read the outcomes."""
    done, go_on = threading.Event(), threading.Event()
    first = Step("first", held_in_transaction(first_action, done, go_on))
    second = Step("second", second_action)
    try:
        first.start()
        assert done.wait(STEP_SECONDS)
        second.start()
        wait_until_blocked_by(second, first)
    finally:
        go_on.set()
    return first, second


def test_a_merge_waits_for_an_authors_save_then_renames_what_was_saved():
    make_written_parties()
    author = make_author()
    draft = use_case_draft_start(use_case=make_version().use_case, actor=author)
    draft = use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author)
    ons, kept = (
        DataParty.objects.get(name="ONS"),
        DataParty.objects.create(name="Statistics office", kind="public_body"),
    )
    flows = [*WRITTEN["data_flows"], {**WRITTEN["data_flows"][0], "from": "ONS", "information": "Added now"}]

    first, second = race(
        lambda: use_case_draft_save(draft=draft, revision=2, changes={"data_flows": flows}, actor=author),
        lambda: data_party_merge(party=ons, into=kept, actor=None),
    )
    first.outcome()
    second.outcome()

    saved = UseCaseDraft.objects.get(pk=draft.pk)
    assert [flow["information"] for flow in saved.data_flows] == ["Release dates", "Added now"], "nothing lost"
    assert [(flow["from"], flow["to"]) for flow in saved.data_flows] == [
        ("HM Prison and Probation Service", "Statistics office"),
        ("Statistics office", "Statistics office"),
    ]
    assert saved.revision == 4 and not DataParty.objects.filter(name="ONS").exists()


@pytest.mark.parametrize(
    ("change", "action", "new_name"),
    [
        (lambda party, ons: data_party_merge(party=party, into=ons, actor=None), "data_party_merged", "ONS"),
        (
            lambda party, ons: data_party_change(
                party=party, name="Statistics office", kind="public_body", organisation=None, actor=None
            ),
            "data_party_changed",
            "Statistics office",
        ),
    ],
    ids=["merge", "rename"],
)
def test_a_merge_or_rename_waits_for_an_author_adding_a_first_mention_of_the_party_then_renames_it(
    change, action, new_name
):
    """The draft did not name the party when the merge or rename began: it still waits for the
    save in progress, then renames the mention it added, rather than leave it naming a party gone."""
    make_written_parties()
    author = make_author()
    draft = use_case_draft_start(use_case=make_version().use_case, actor=author)
    draft = use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author)
    party = DataParty.objects.create(name="Office for National Statistics", kind="public_body")
    ons = DataParty.objects.get(name="ONS")
    flows = [*WRITTEN["data_flows"], {**WRITTEN["data_flows"][0], "to": party.name, "information": "Added now"}]

    first, second = race(
        lambda: use_case_draft_save(draft=draft, revision=2, changes={"data_flows": flows}, actor=author),
        lambda: change(party, ons),
    )
    first.outcome()
    second.outcome()

    saved = UseCaseDraft.objects.get(pk=draft.pk)
    assert [(flow["information"], flow["to"]) for flow in saved.data_flows] == [
        ("Release dates", "ONS"),
        ("Added now", new_name),
    ]
    assert saved.revision == 4 and not DataParty.objects.filter(name="Office for National Statistics").exists()
    assert AuditEvent.objects.get(action=action).data["drafts"] == [saved.use_case.slug]


def test_of_two_merges_of_one_party_at_once_the_second_waits_and_is_refused():
    make_written_parties()
    ons = DataParty.objects.get(name="ONS")
    first_kept = DataParty.objects.create(name="Statistics office", kind="public_body")
    second_kept = DataParty.objects.create(name="Office for National Statistics", kind="public_body")

    first, second = race(
        lambda: data_party_merge(party=ons, into=first_kept, actor=None),
        lambda: data_party_merge(party=ons, into=second_kept, actor=None),
    )
    first.outcome()
    with pytest.raises(ValidationError, match="merged or removed since you opened the page"):
        second.outcome()

    assert set(DataParty.objects.values_list("name", flat=True)) == {
        "HM Prison and Probation Service",
        "Statistics office",
        "Office for National Statistics",
    }
