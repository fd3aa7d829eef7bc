"""The checker itself (docs/language-checker.md): each kind of hit, with text that must fire and
text that must not, and the matching rules: word by word, inflected, never inside another word,
never in a name, never on a term named as the one to avoid."""

import string
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from language.checker.check import check_text
from language.checker.terms import Term


def found(text: str, **options) -> list[tuple[str, str]]:
    return [(hit.text, hit.kind) for hit in check_text(text, **options)]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Support for ex-offenders.", "ex-offenders"),
        ("Support for ex offenders.", "ex offenders"),
        ("Support for exoffenders.", "exoffenders"),
        ("An Ex-Offender's route", "Ex-Offender's"),
        ("An ex\u2011offender", "ex\u2011offender"),
        ("Addicts need help", "Addicts"),
        ("an addict\u2019s needs", "addict\u2019s"),
        ("services for addicts' families", "addicts'"),
        ("Beds for the homeless", "the homeless"),
        ("junkies", "junkies"),
        ("Drug users and drug abuse", "Drug users"),
        ("rising substance misuse in the area", "substance misuse"),
    ],
)
def test_stigmatising_terms_fire_in_every_form(text, hit):
    hits = check_text(text)
    assert (hits[0].text, hits[0].kind) == (hit, "stigmatising")
    assert text[hits[0].start : hits[0].end] == hit
    assert hits[0].suggestion and hits[0].source


def test_a_hit_says_what_to_write_and_where_the_advice_comes_from():
    [hit] = check_text("Most ex-offenders find work.")

    assert (hit.start, hit.end) == (5, 17)
    assert hit.suggestion == "prison leaver, or person with a criminal record"
    assert hit.source.startswith("Improving lives through linked data")
    assert "March 2023" in hit.source


@pytest.mark.parametrize(
    "text",
    [
        "People in addiction services",  # addict inside another word
        "The reoffender rate",  # never inside another word, after a prefix
        "Homelessness and prison leavers",
        "Prison leavers, not ex-offenders.",
        "We say prison leavers instead of ex-offenders.",
        "Use 'people who use drugs' rather than addicts.",
        'The word "ex-offender" was changed to "prison leaver".',
        "The label \u2018addicts\u2019 pushes people away.",
        "People who use drugs",
        "The Substance Misuse pilot",  # a name, with its capitals
        "The drugs abuse-line",  # not the term
        "A paddict or addicted person",
        "We wrote prison leavers in place of ex-offenders.",
        "Prison leavers replaced ex-offenders in the text.",
        "Avoid the homeless as a phrase.",
    ],
)
def test_text_that_must_not_fire(text):
    assert [hit for hit in check_text(text) if hit.kind in ("stigmatising", "deficit")] == []


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("They live a chaotic lifestyle.", "chaotic lifestyle"),
        ("Hard-to-reach groups", "Hard-to-reach"),
        ("people seen as non compliant", "non compliant"),
        ("Troubled families", "Troubled families"),
    ],
)
def test_deficit_labels_fire(text, hit):
    assert found(text) == [(hit, "deficit")]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("The data is de-identified first.", "de-identified"),
        ("Pseudonymised records", "Pseudonymised"),
        ("for direct care only", "direct care"),
        ("secondary uses of data", "secondary uses"),
        ("Data linkage across services", "Data linkage"),
        ("each cohort", "cohort"),
    ],
)
def test_jargon_fires_with_plain_words(text, hit):
    [found_hit] = check_text(text)
    assert (found_hit.text, found_hit.kind) == (hit, "jargon")
    assert found_hit.suggestion


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Her number is AB 12 34 56 C.", "AB 12 34 56 C"),
        ("NI: ab123456c", "ab123456c"),
        ("Lives at SW1A 1AA now", "SW1A 1AA"),
        ("Lives at M1 1AE now", "M1 1AE"),
        ("Call 020 7946 0958 today", "020 7946 0958"),
        ("Call 07700 900123", "07700 900123"),
        ("Call +44 7700 900123", "+44 7700 900123"),
        ("Call (0161) 496 0000", "(0161) 496 0000"),
        ("Write to sam.jones@example.org.", "sam.jones@example.org"),
        ("Jane Doe, born on 3 May 1990, moved", "Jane Doe, born on 3 May 1990"),
        ("John Smith (03/05/1990) moved", "John Smith (03/05/1990)"),
        ("Alex Green, date of birth: 12/11/1985", "Alex Green, date of birth: 12/11/1985"),
    ],
)
def test_personal_data_fires(text, hit):
    [found_hit] = check_text(text)
    assert (found_hit.text, found_hit.kind) == (hit, "personal_data")
    assert "Take it out" in found_hit.suggestion


@pytest.mark.parametrize(
    "text",
    [
        "In 2023, 82 people took part.",
        "Between 01/02/2023 and 03/04/2023 the round was open.",  # dates alone
        "The report was published in March 2023 by BritainThinks.",
        "Jane Doe leads the pilot.",  # a name alone
        "Version 2 of use case 10",
        "QQ 12 34 56 A",  # Q is never a first letter of a National Insurance number
        "Call 12345",
        "user@localhost",
        "A1 is the road.",
    ],
)
def test_personal_data_that_is_not(text):
    assert found(text) == []


def test_another_audiences_terms_are_flagged_only_with_an_audience():
    text = "People on probation who use drugs; reoffending rates."

    assert found(text) == []
    assert found(text, audience="substance-misuse") == [
        ("probation", "audience_conflation"),
        ("reoffending", "audience_conflation"),
    ]
    assert found(text, audience="reducing-reoffending") == []


def test_names_of_programmes_shield_the_words_in_them():
    text = "The Reducing Reoffending pilot and Integrated Offender Management teams."

    assert found(text, audience="substance-misuse") == []
    assert found("reducing reoffending", audience="substance-misuse") == [("reoffending", "audience_conflation")]


def test_the_longer_of_two_overlapping_terms_wins():
    terms = [
        Term("offender", "stigmatising", "person with a conviction", "x"),
        Term("ex-offender", "stigmatising", "prison leaver", "x"),
    ]

    assert [(hit.text, hit.start) for hit in check_text("An ex-offender and an offender", terms=terms)] == [
        ("ex-offender", 3),
        ("offender", 22),
    ]


@pytest.mark.parametrize(("text", "hit"), [("Busy bodies", "bodies"), ("a body's", "body's"), ("boxes", "boxes")])
def test_plural_endings_follow_the_last_word(text, hit):
    terms = [Term("body", "jargon", "x", "x"), Term("box", "jargon", "x", "x")]

    assert [found_hit.text for found_hit in check_text(text, terms=terms)] == [hit]


@pytest.mark.slow  # a property test: Hypothesis tries about a hundred texts
@given(
    first=st.sampled_from(["ex", "Ex", "EX", "eX"]),
    joint=st.sampled_from(["-", " ", "", "\u2010", "\u2011", "  ", "\n"]),
    second=st.sampled_from(["offender", "Offender", "OFFENDER"]),
    ending=st.sampled_from(["", "s", "'s", "\u2019s", "s'"]),
)
def test_every_spelling_of_a_term_is_found(first, joint, second, ending):
    word = f"{first}{joint}{second}{ending}"

    assert found(f"Support for {word} now.") == [(word, "stigmatising")]


def test_terms_given_replace_the_file():
    terms = [Term("widget", "jargon", "thing", "x")]

    assert found("Widgets for addicts", terms=terms) == [("Widgets", "jargon")]


WORDS = st.text(alphabet=string.ascii_letters + " ,.-'", max_size=40)


@pytest.mark.slow  # a property test: Hypothesis tries about a hundred texts
@given(before=WORDS, after=WORDS)
def test_a_term_between_spaces_is_always_found_where_it_is(before, after):
    text = f"{before} addicts {after}"
    start = len(before) + 1
    hits = [hit for hit in check_text(text) if hit.start == start]

    if (
        not before.rstrip()
        .lower()
        .endswith(("not", "of", "than", "avoid", "avoiding", "replace", "replaces", "replaced", "replacing"))
    ):
        assert [(hit.text, hit.kind) for hit in hits] == [("addicts", "stigmatising")]


@pytest.mark.slow  # a property test: Hypothesis tries about a hundred texts
@given(
    prefix=st.text(alphabet=string.ascii_letters, min_size=1, max_size=5),
    suffix=st.sampled_from(["ion", "ed", "ive", "ing"]),
)
def test_a_term_is_never_found_inside_another_word(prefix, suffix):
    assert [hit for hit in check_text(f"{prefix}addict addict{suffix}") if hit.kind == "stigmatising"] == []


@pytest.mark.slow  # a property test: Hypothesis tries about a hundred texts
@given(st.text(max_size=200))
def test_every_hit_is_the_text_between_its_offsets(text):
    for hit in check_text(text, audience="victims"):
        assert text[hit.start : hit.end] == hit.text
        assert hit.start < hit.end


@pytest.mark.parametrize("text", ["Aa " * 30_000, "Jane Doe born " * 10_000, "0" + "1 " * 30_000, "ex-" * 30_000])
def test_long_text_built_to_slow_the_patterns_down_is_checked_in_linear_time(text):
    started = time.perf_counter()
    check_text(text, audience="victims")

    assert time.perf_counter() - started < 5  # well under a second when the patterns read it once
