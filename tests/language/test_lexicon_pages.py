"""The admins' lexicon pages and services (docs/language-checker.md#the-lexicon): add an entry,
change one, stop checking one, each with an audit row; bad input says what is wrong and changes
nothing; nobody but programme admins may open them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bold_portal.models import AuditEvent
from language.models import LexiconEntry
from language.selectors import lexicon_terms, text_check
from language.services import lexicon_entry_create, lexicon_entry_update
from tests.factories import make_analyst, make_audience, make_author

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(admin):
    return lexicon_entry_create(
        term="ex-offender", kind="stigmatising", suggestion="prison leaver", source="bold-report", actor=admin
    )


def test_an_added_entry_is_audited_and_checked_at_once(admin):
    entry = lexicon_entry_create(
        term="  service   user ",
        kind="jargon",
        suggestion="person who uses the service",
        source="bold-report",
        actor=admin,
    )

    assert entry.term == "service user"
    event = AuditEvent.objects.get(action="lexicon_entry_created")
    assert event.data["after"]["term"] == event.data["object_name"] == "service user"  # named in the trail
    assert [hit.text for hit in text_check("Service users said so.")] == ["Service users"]


def test_the_database_lexicon_replaces_the_file_once_it_has_an_entry(entry):
    assert [term.term for term in lexicon_terms()] == ["ex-offender"]
    assert [hit.text for hit in text_check("Addicts and ex-offenders")] == ["ex-offenders"]


def test_with_no_entry_at_all_the_checker_reads_the_file():
    assert [hit.text for hit in text_check("Addicts and ex-offenders")] == ["Addicts", "ex-offenders"]


def test_an_entry_switched_off_is_not_checked_and_the_change_is_audited(admin, entry):
    lexicon_entry_update(
        entry=entry,
        term="ex-offender",
        kind="stigmatising",
        suggestion="prison leaver",
        source="bold-report",
        audience=None,
        is_active=False,
        actor=admin,
    )

    assert text_check("ex-offenders") == []
    event = AuditEvent.objects.get(action="lexicon_entry_updated")
    assert (event.data["before"]["is_active"], event.data["after"]["is_active"]) == (True, False)


def test_an_audience_term_needs_its_audience_and_only_it_has_one(admin):
    audience = make_audience(slug="substance-misuse")
    with pytest.raises(ValidationError) as error:
        lexicon_entry_create(
            term="prison", kind="audience_term", suggestion="Say why", source="bold-report", actor=admin
        )
    assert error.value.message_dict == {"audience": ["Choose the audience whose term it is"]}

    with pytest.raises(ValidationError) as error:
        lexicon_entry_create(
            term="addict", kind="stigmatising", suggestion="x", source="bold-report", audience=audience, actor=admin
        )
    assert error.value.message_dict == {"audience": ["Choose no audience: only another audience's term has one"]}
    assert not LexiconEntry.objects.exists()


def test_a_name_and_a_term_may_share_their_words(admin):
    lexicon_entry_create(term="Substance Misuse", kind="name", suggestion="", source="bold-report", actor=admin)
    lexicon_entry_create(
        term="substance misuse",
        kind="stigmatising",
        suggestion="substance use",
        source="scottish-drugs-forum",
        actor=admin,
    )

    assert [hit.text for hit in text_check("The Substance Misuse pilot; substance misuse rose.")] == [
        "substance misuse"
    ]


def test_the_pages_add_and_change_an_entry(client, admin):
    audience = make_audience(slug="reducing-reoffending", name="Reducing Reoffending")
    response = client.post(
        reverse("language:add"),
        {
            "term": "probation",
            "kind": "audience_term",
            "audience": audience.slug,
            "suggestion": "Say why",
            "source": "bold-report",
        },
    )
    assert response.status_code == 302
    assert "probation added to the lexicon." in client.get(response.url).text

    entry = LexiconEntry.objects.get(term="probation")
    url = reverse("language:edit", args=[entry.pk])
    page = client.get(url).text
    assert 'value="reducing-reoffending" selected' in page
    client.post(
        url,
        {
            "term": "probation",
            "kind": "audience_term",
            "audience": audience.slug,
            "suggestion": "Say why.",
            "source": "bold-report",
        },
    )
    entry.refresh_from_db()
    assert (entry.suggestion, entry.is_active) == ("Say why.", False)
    listing = client.get(reverse("language:list")).text
    assert "Not checked" in listing and "Reducing Reoffending" in listing and "March 2023" in listing


def test_an_entry_keeps_its_archived_audience_when_changed(client, admin):
    audience = make_audience(slug="victims", name="Victims", is_archived=True)
    entry = LexiconEntry.objects.create(
        term="victim", kind="audience_term", suggestion="Say why", source="bold-report", audience=audience
    )
    assert 'value="victims"' not in client.get(reverse("language:add")).text

    client.post(
        reverse("language:edit", args=[entry.pk]),
        {
            "term": "victim",
            "kind": "audience_term",
            "audience": "victims",
            "suggestion": "Say why.",
            "source": "bold-report",
            "is_active": "on",
        },
    )
    entry.refresh_from_db()
    assert (entry.suggestion, entry.audience) == ("Say why.", audience)


GOOD = {
    "term": "junkie",
    "kind": "stigmatising",
    "suggestion": "person who uses drugs",
    "source": "scottish-drugs-forum",
}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**GOOD, "term": ""}, "term", "Enter the term"),
        ({**GOOD, "term": "x" * 101}, "term", "Term must be 100 characters or fewer"),
        ({**GOOD, "term": "EX-OFFENDER"}, "term", "The lexicon already has EX-OFFENDER as this kind of term."),
        ({**GOOD, "kind": ""}, "kind", "Choose the kind of term"),
        ({**GOOD, "kind": "rude"}, "kind", "Choose a kind from the list"),
        ({**GOOD, "suggestion": ""}, "suggestion", "Enter a suggestion: what to write instead, or what to do"),
        ({**GOOD, "suggestion": "x" * 1_048_576}, "suggestion", "Suggestion must be 500 characters or fewer"),
        ({**GOOD, "source": ""}, "source", "Choose the source"),
        ({**GOOD, "source": "a-blog"}, "source", "Choose a source from the list"),
        ({**GOOD, "audience": "nowhere"}, "audience", "Choose an audience from the list"),
        ({**GOOD, "kind": "audience_term"}, "audience", "Choose the audience whose term it is"),
        ({**GOOD, "term": "junk\x1bie"}, "term", "Term contains a hidden control character (U+001B)"),
        ({}, "term", "Enter the term"),
    ],
)
def test_bad_input_when_adding(client, admin, entry, data, field, message):
    response = client.post(reverse("language:add"), data)

    assert response.status_code == 200
    assert f'href="#id_{field}' in response.text and message.replace("'", "&#x27;") in response.text
    assert response.text.count("<title>Error: ") == 1
    assert LexiconEntry.objects.count() == 1


def test_bad_input_when_changing(client, admin, entry):
    response = client.post(
        reverse("language:edit", args=[entry.pk]), {**GOOD, "term": "ex-offender", "suggestion": "", "is_active": "on"}
    )

    assert 'href="#id_suggestion">Enter a suggestion' in response.text
    entry.refresh_from_db()
    assert entry.suggestion == "prison leaver"
    assert not AuditEvent.objects.filter(action="lexicon_entry_updated").exists()


def test_the_list_is_paged_in_a_fixed_number_of_queries(client, admin, django_assert_num_queries):
    audience = make_audience()
    for n in range(30):
        LexiconEntry.objects.create(
            term=f"term {n}", kind="audience_term", suggestion="why", source="bold-report", audience=audience
        )
    client.get(reverse("language:list"))

    with django_assert_num_queries(7):
        page = client.get(reverse("language:list")).text
    assert "Showing 1 to 25 of 30" in page


@pytest.mark.parametrize("make_person", [make_analyst, make_author])
def test_nobody_but_admins_may_open_the_lexicon_pages(client, entry, make_person):
    client.force_login(make_person())

    assert client.get(reverse("language:list")).status_code == 404
    assert client.post(reverse("language:add"), GOOD).status_code == 404
    assert client.post(reverse("language:edit", args=[entry.pk]), GOOD).status_code == 404
    assert LexiconEntry.objects.count() == 1
