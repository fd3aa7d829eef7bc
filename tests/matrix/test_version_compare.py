"""Two versions of a use case compared (docs/authors.md): word-level changes marked by symbol and
words, each principle's outcome in the rounds that reviewed them (for authors only once the round's
feedback is open), bad input named, links from the author's version page and the analysts' matrix,
and the same number of queries however many rounds reviewed the versions."""

import pytest
from django.urls import reverse

from audiences.services.audiences import audience_authors_add
from matrix.services.recompute import matrix_recompute
from tests.factories import (
    close_round,
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
from usecases.diff import word_diff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    audience = make_audience(name="People who use drugs")
    organisation = make_organisation(name="Release", audiences=[audience])
    principle = make_principle(name="Non-stigmatising")
    first = make_version(audience=audience, title="Treatment outcomes", impact_statement="Fewer addicts in prison.")
    second = make_version(
        use_case=first.use_case,
        number=2,
        title="Treatment outcomes",
        impact_statement="Fewer people who use drugs in prison.",
    )
    review_round = make_round(principles=[principle], name="Winter round")
    make_assignment(review_round=review_round, version=first, organisation=organisation)
    reviewer = make_reviewer(organisation=organisation)
    submit(reviewer, review_round, first, {principle: ("does_not_meet", "Say people who use drugs.", "", "")})
    matrix_recompute(round_id=review_round.pk)
    author = make_author()
    audience_authors_add(audience=audience, users=[author], actor=None)
    return {"first": first, "second": second, "round": review_round, "author": author, "principle": principle}


def compare_url(world, **query):
    url = reverse("authors:version_compare", args=[world["first"].use_case.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_word_diff_marks_only_the_words_that_changed():
    earlier, later = word_diff("Fewer addicts in prison.", "Fewer people who use drugs in prison.")

    assert [(s.kind, s.text) for s in earlier] == [("same", "Fewer "), ("removed", "addicts"), ("same", " in prison.")]
    assert [(s.kind, s.text) for s in later] == [
        ("same", "Fewer "),
        ("added", "people who use drugs"),
        ("same", " in prison."),
    ]


def test_the_author_sees_changes_by_symbol_and_words_side_by_side(client, world):
    client.force_login(world["author"])

    page = client.get(compare_url(world)).text

    assert (
        '<del><span class="govuk-visually-hidden">Removed: </span>'
        '<span aria-hidden="true">[\N{MINUS SIGN}</span>addicts' in page
    )
    assert (
        '<ins><span class="govuk-visually-hidden">Added: </span><span aria-hidden="true">[+</span>people who use drugs'
        in page
    )
    assert "No change" in page, "the sections that did not change say so"


def test_outcomes_show_to_authors_once_the_rounds_feedback_is_open_and_to_analysts_always(client, world):
    client.force_login(world["author"])
    assert "Winter round" not in client.get(compare_url(world)).text
    client.force_login(make_analyst())
    assert "Winter round" in client.get(compare_url(world)).text

    close_round(world["round"])
    client.force_login(world["author"])
    page = client.get(compare_url(world)).text

    assert "Winter round" in page and "Non-stigmatising" in page
    assert "No round's outcome to show yet." in page, "version 2 was in no round"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"earlier": 9, "later": 2}, "Choose a version from the list"),
        ({"earlier": "one", "later": 2}, "Choose a version from the list"),
        ({"earlier": 2, "later": 2}, "Choose a different version to compare with"),
        ({"later": 2}, "Choose a version from the list"),
    ],
)
def test_bad_input_names_the_problem(client, world, query, message):
    client.force_login(world["author"])

    response = client.get(compare_url(world, **query))

    assert response.status_code == 400 and "<title>Error:" in response.text
    assert message in response.text and "There is a problem" in response.text
    assert "<del>" not in response.text


def test_a_use_case_with_one_version_says_there_is_nothing_to_compare(client, world):
    client.force_login(world["author"])
    alone = make_version(audience=world["first"].use_case.audience)

    page = client.get(reverse("authors:version_compare", args=[alone.use_case.slug])).text

    assert "nothing to compare yet" in page


def test_only_the_use_cases_writers_analysts_and_admins_may_compare(client, world):
    stranger = make_author()
    audience_authors_add(audience=make_audience(name="Victims"), users=[stranger], actor=None)
    client.force_login(stranger)
    assert client.get(compare_url(world)).status_code == 404


def test_the_authors_version_page_and_the_analysts_matrix_link_to_the_comparison(client, world):
    world["round"].versions.add(world["second"])
    matrix_recompute(round_id=world["round"].pk)
    client.force_login(world["author"])
    link = compare_url(world, earlier=1, later=2).replace("&", "&amp;")
    assert link in client.get(reverse("authors:version", args=[world["first"].use_case.slug, 2])).text
    assert link not in client.get(reverse("authors:version", args=[world["first"].use_case.slug, 1])).text

    client.force_login(make_analyst())
    matrix = client.get(reverse("matrix:round_matrix", args=[world["round"].slug])).text

    assert matrix.count("Compare with version 1") == 1, "only the row with a previous version"


def test_the_comparison_makes_as_many_queries_for_many_rounds_as_for_one(client, world, django_assert_num_queries):
    client.force_login(make_analyst())
    client.get(compare_url(world))
    # 12, and the earlier version's "does not meet" reasons with the authors' answers ("you said, we did")
    with django_assert_num_queries(13):
        client.get(compare_url(world))
    for name in ("Spring", "Summer"):
        extra = make_round(principles=[make_principle(), world["principle"]], name=name)
        extra.versions.add(world["first"], world["second"])
        matrix_recompute(round_id=extra.pk)

    with django_assert_num_queries(13):
        page = client.get(compare_url(world))

    assert "Spring" in page.text and "Summer" in page.text
