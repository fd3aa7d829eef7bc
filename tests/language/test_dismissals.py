"""Dismissed hits (docs/language-checker.md#dismissed-hits-and-what-is-still-open): a hit dismissed
with a reason stays dismissed when the text changes elsewhere, is no longer counted as open, and
cannot be dismissed twice, even by two people at the same moment; nor can one term be added twice
by two admins at once."""

import threading

import pytest
from django.core.exceptions import ValidationError

from bold_portal.models import AuditEvent
from language.models import HitDismissal, LexiconEntry
from language.selectors import open_hit_count, open_hits, text_check
from language.services import language_hit_dismiss, lexicon_entry_create
from tests.concurrency import Step, require_postgresql
from tests.factories import make_admin, make_author

SUBJECT = "usecases.usecaseversion:7"
TEXT = "Addicts met addicts; the homeless too."


def dismiss(text: str, index: int, *, reason="Quoting a participant.", actor=None, subject=SUBJECT):
    hits = text_check(text)
    actor = actor or make_author()
    return language_hit_dismiss(subject=subject, hits=hits, hit=hits[index], reason=reason, actor=actor)


@pytest.mark.django_db
def test_a_dismissed_hit_is_not_open_and_is_audited():
    author = make_author()
    assert open_hit_count(subject=SUBJECT, text=TEXT) == 3

    dismissal = dismiss(TEXT, 1, actor=author)

    assert (dismissal.kind, dismissal.text, dismissal.occurrence) == ("stigmatising", "addicts", 2)
    assert [hit.start for hit in open_hits(subject=SUBJECT, hits=text_check(TEXT))] == [0, 21]
    assert open_hit_count(subject=SUBJECT, text=TEXT) == 2
    event = AuditEvent.objects.get(action="language_hit_dismissed")
    assert event.actor == author
    assert event.data == {"subject": SUBJECT, "kind": "stigmatising", "text": "addicts", "occurrence": 2}


@pytest.mark.django_db
def test_a_dismissal_outlives_edits_elsewhere_and_a_fix_is_no_longer_counted():
    dismiss(TEXT, 0)

    assert open_hit_count(subject=SUBJECT, text="New opening. " + TEXT) == 2
    assert open_hit_count(subject=SUBJECT, text="People who use drugs met addicts.") == 0  # one fixed
    assert open_hit_count(subject="draft:3", text=TEXT) == 3  # another text's hits are its own


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "This field cannot be blank."),
        ("   ", "This field cannot be blank."),
        ("x" * 1_001, "Ensure this value has at most 1000 characters (it has 1001)."),
        ("a\x1bb", "hidden control character"),
    ],
)
def test_a_dismissal_needs_a_reason(reason, message):
    with pytest.raises(ValidationError) as error:
        dismiss(TEXT, 0, reason=reason)

    assert message in " ".join(error.value.message_dict["reason"])
    assert not HitDismissal.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_same_hit_cannot_be_dismissed_twice():
    dismiss(TEXT, 0)
    with pytest.raises(ValidationError) as error:
        dismiss(TEXT, 0, reason="Again.")

    assert error.value.message_dict == {"reason": ["This hit is already dismissed."]}
    assert HitDismissal.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_people_dismissing_one_hit_at_once_make_one_dismissal():
    require_postgresql("Two dismissals of one hit at once")
    people = [make_admin(), make_author()]
    ready = threading.Barrier(2)

    def dismissing(person):
        def step():
            ready.wait(5)
            try:
                dismiss(TEXT, 0, actor=person)
            except ValidationError as error:
                return error.message_dict
            return "dismissed"

        return step

    steps = [Step(f"dismissal {n}", dismissing(person)) for n, person in enumerate(people)]
    for step in steps:
        step.start()
    outcomes = sorted(str(step.outcome()) for step in steps)

    assert outcomes == ["dismissed", "{'reason': ['This hit is already dismissed.']}"]
    assert HitDismissal.objects.count() == 1
    assert AuditEvent.objects.filter(action="language_hit_dismissed").count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_admins_adding_one_term_at_once_make_one_entry():
    require_postgresql("Two admins adding one term at once")
    ready = threading.Barrier(2)

    def adding(person):
        def step():
            ready.wait(5)
            try:
                lexicon_entry_create(
                    term="Junkie",
                    kind="stigmatising",
                    suggestion="person who uses drugs",
                    source="bold-report",
                    actor=person,
                )
            except ValidationError as error:
                return error.message_dict
            return "added"

        return step

    steps = [Step(f"admin {n}", adding(make_admin())) for n in range(2)]
    for step in steps:
        step.start()
    outcomes = [step.outcome() for step in steps]

    assert "added" in outcomes
    assert LexiconEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="lexicon_entry_created").count() == 1
    refused = [outcome for outcome in outcomes if outcome != "added"]
    assert refused in (
        [],
        [{"term": ["The lexicon already has Junkie as this kind of term. Change that entry instead."]}],
    )
