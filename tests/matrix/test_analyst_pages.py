"""The analysts' pages: review rounds with their progress, the principle matrix (the report's table,
live) and "why this cell". Permissions per role are in test_analyst_permissions.py."""

import re
from decimal import Decimal

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from matrix.models import Matrix
from matrix.selectors.cells import Cell
from matrix.selectors.matrix_page import MATRIX_ROWS_PER_PAGE
from matrix.selectors.rounds import rounds_page
from matrix.services.recompute import matrix_recompute
from matrix.wording import cell_rule_in_words
from reviews.models import Review, ReviewRound
from reviews.services.reviews import review_withdraw
from tests.factories import (
    close_round,
    make_analyst,
    make_assignment,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from tests.matrix.analyst_support import make_large_round, small_world, submit
from tests.pages import main_content

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    """What a screen reader reads: tags dropped (visually hidden text kept), spaces collapsed."""
    without_hidden_symbols = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_hidden_symbols)).replace(" ;", ";").strip()


def table_row(page: str, title: str) -> str:
    """The matrix table row whose header is the use case's title."""
    for row in page.split('<tr class="govuk-table__row">'):
        if f">{title} <" in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row for {title!r}")


def outcomes(row: str) -> list[str]:
    return re.findall(r'data-outcome="(\w+)"', row)


@pytest.fixture
def analyst(db):
    return make_analyst(email="analyst@bold.example")


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


# --- The report's table ------------------------------------------------------------------------

T, X = "tick", "cross"
# The table at the end of the report: Relevant, Impactful, Clear and informative, Non-stigmatising.
REPORT_TABLE = {
    "Treatment for those on probation": (T, X, T, X),
    "Substance use issues after leaving prison": (T, T, T, X),
    "Substance use issues and risk of multiple conditions": (X, T, X, X),
    "Rough sleeping and substance use issues": (T, X, T, X),
    "Homelessness and spending time in prison": (T, T, X, X),
    "Repeat homelessness": (T, T, T, T),
    "Risk of re-offending": (T, X, T, T),
    "Employment after spending time in prison": (T, T, T, T),
    "Children of imprisoned parents": (T, T, T, X),
    "Engagement with the Criminal Justice System": (X, X, X, T),
    "Engagement with support services": (T, X, X, T),
    "Accessing support": (T, T, X, T),
}


def test_the_fieldwork_matrix_shows_the_reports_table(demo, analyst_client):
    response = analyst_client.get(reverse("matrix:round_matrix", args=[demo.slug]))

    assert response.status_code == 200
    page = main_content(response)
    for title, expected in REPORT_TABLE.items():
        assert tuple(outcomes(table_row(page, title))) == expected, title
    # Audience headings in the portal's order, each above its use cases, as in the report.
    headings = re.findall(r'scope="rowgroup"[^>]*>([^<]+)<', page)
    assert headings == ["Reducing Reoffending", "Substance Misuse", "Homelessness", "Victims"]
    table = page[page.index("<table") :]
    assert table.index(">Homelessness<") < table.index(">Repeat homelessness <") < table.index(">Victims<")
    # Principles met per row; use cases meeting each principle in the footer.
    assert "4 of 4" in table_row(page, "Repeat homelessness")
    assert "1 of 4" in table_row(page, "Engagement with the Criminal Justice System")
    footer = page[page.index("<tfoot") :]
    ticks_per_principle = [sum(row[i] == T for row in REPORT_TABLE.values()) for i in range(4)]
    assert re.findall(r"(\d+) of 12", footer) == [str(n) for n in ticks_per_principle]


def test_each_cell_says_its_outcome_and_counts_in_words_and_links_to_why(demo, analyst_client):
    page = main_content(analyst_client.get(reverse("matrix:round_matrix", args=[demo.slug])))
    row = table_row(page, "Repeat homelessness")
    cell = row[row.index('data-principle="relevant"') :].split("</td>")[0]

    assert '<span class="portal-matrix__symbol portal-matrix__symbol--tick" aria-hidden="true">✓</span>' in cell
    assert re.search(r'visually-hidden">Relevant: meets; \d+ meets?, \d+ (does|do) not meet, \d+ not sure</span>', cell)
    assert reverse("matrix:cell", args=[demo.slug, "repeat-homelessness", 1, "relevant"]) in cell
    cross = table_row(page, "Engagement with the Criminal Justice System")
    assert "✗</span> Does not meet" in cross
    assert re.search(r'visually-hidden">Impactful: does not meet; \d+ meets?, \d+ (does|do) not meet', cross)


def test_the_page_says_when_the_matrix_was_computed_and_when_it_is_being_updated(analyst_client):
    _audience, organisation, relevant, clear, review_round = small_world()
    version = make_version(title="Health after temporary housing")
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    matrix_recompute(round_id=review_round.pk)
    url = reverse("matrix:round_matrix", args=[review_round.slug])

    page = main_content(analyst_client.get(url))
    assert "The matrix was last computed at" in page
    assert "being updated" not in page
    assert outcomes(table_row(page, "Health after temporary housing")) == ["insufficient", "insufficient"]
    assert "Relevant: not enough reviews; 0 meet, 0 do not meet, 0 not sure</span>" in page

    # A review submitted without its recompute having run yet (the task runs after commit).
    submit(make_reviewer(organisation=organisation), review_round, version, {relevant: "meets", clear: "meets"})
    page = main_content(analyst_client.get(url))
    assert "the matrix is being updated" in page


# --- Filters and pages ---------------------------------------------------------------------------


def test_filters_by_audience_and_outcome_and_totals_cover_the_filtered_set(demo, analyst_client):
    url = reverse("matrix:round_matrix", args=[demo.slug])

    page = main_content(analyst_client.get(url, {"audience": ["victims", "homelessness"], "outcome": "all-ticks"}))
    assert "Showing 1 to 1 of 1 use case." in page
    assert "Repeat homelessness" in page and "Accessing support" not in page

    page = main_content(analyst_client.get(url, {"outcome": "cross", "principle": "non-stigmatising"}))
    crossed = [title for title, row in REPORT_TABLE.items() if row[3] == X]
    assert f"of {len(crossed)} use cases." in page
    for title in crossed:
        assert title in page
    assert "Repeat homelessness" not in page
    footer = page[page.index("<tfoot") :]
    assert re.findall(r"(\d+) of \d+", footer)[3] == "0"

    page = main_content(analyst_client.get(url, {"outcome": "insufficient"}))
    assert "No use cases match these filters." in page
    assert '<input class="govuk-checkboxes__input" id="audience"' in page


def test_not_enough_reviews_filter_counts_cells_not_yet_computed(analyst_client):
    _audience, organisation, relevant, clear, review_round = small_world()
    decided = make_version(title="Decided use case")
    make_assignment(review_round=review_round, version=decided, organisation=organisation)
    for _ in range(2):
        submit(make_reviewer(organisation=organisation), review_round, decided, {relevant: "meets", clear: "meets"})
    matrix_recompute(round_id=review_round.pk)
    # Added after the last recompute: no cells yet.
    make_assignment(review_round=review_round, version=make_version(title="New use case"), organisation=organisation)
    url = reverse("matrix:round_matrix", args=[review_round.slug])

    page = main_content(analyst_client.get(url, {"outcome": "insufficient"}))
    assert "New use case" in page and "Decided use case" not in page
    page = main_content(analyst_client.get(url, {"outcome": "all-ticks", "principle": "clear"}))
    assert "Decided use case" in page and "New use case" not in page


@pytest.mark.parametrize(
    "query, message",
    [
        ({"audience": "nowhere"}, "Choose audiences from the list"),
        ({"outcome": "maybe"}, "Choose an outcome from the list"),
        ({"principle": "<script>"}, "Choose a principle from the list"),
    ],
)
def test_a_filter_value_that_is_not_allowed_is_shown_in_the_error_summary(demo, analyst_client, query, message):
    response = analyst_client.get(reverse("matrix:round_matrix", args=[demo.slug]), query)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page
    summary = page[page.index("govuk-error-summary") :]
    assert f'<a href="#{next(iter(query))}">{message}</a>' in summary
    assert "<script>" not in page
    # The other filters still apply; the bad one filters nothing.
    assert "Showing 1 to 12 of 12 use cases." in page


@pytest.mark.parametrize("page_number, shown", [("abc", 1), ("9999", 2), ("-1", 2), ("2", 2)])
def test_pages_of_the_matrix_and_page_numbers_that_do_not_exist(analyst_client, page_number, shown):
    review_round, _audiences, _principles = make_large_round(MATRIX_ROWS_PER_PAGE + 5)

    response = analyst_client.get(
        reverse("matrix:round_matrix", args=[review_round.slug]), {"page": page_number, "outcome": ""}
    )

    assert response.status_code == 200
    page = main_content(response)
    first = 1 + (shown - 1) * MATRIX_ROWS_PER_PAGE
    last = min(shown * MATRIX_ROWS_PER_PAGE, MATRIX_ROWS_PER_PAGE + 5)
    assert f"Showing {first} to {last} of {MATRIX_ROWS_PER_PAGE + 5} use cases." in page
    assert page.count("data-principles-met") == last - first + 1
    assert 'class="govuk-pagination"' in page
    # Page links keep the filters.
    assert "outcome=&amp;page=" in page


# --- Query counts ----------------------------------------------------------------------------------

# Session, user and two-factor device (3), the navigation (2), the round, the filter options (2),
# the matrix page (count, rows, cells, totals and the matrix state's 2), the agreement figures and
# the flag audiences' names.
MATRIX_PAGE_QUERIES = 16
# Once the round has closed (matrix.disclosure): the groups of reviewers of the page's rows, the
# flag audiences' organisations and the declared-interest marks.
PUBLISHED_GROUPS_QUERIES = 3
# A filtered or sorted view: the whole round's size, for its "Download the whole round (N use cases)".
VIEW_QUERIES = 1


# The large size builds 2,000 use cases and their cells: slow; the small one holds the same count everyday.
@pytest.mark.parametrize("size", [12, pytest.param(2000, marks=pytest.mark.slow)])
@pytest.mark.parametrize("query", [{}, {"outcome": "cross"}])
@pytest.mark.parametrize("closed", [False, True])
def test_the_matrix_page_makes_the_same_queries_for_12_or_2000_use_cases(
    analyst_client, django_assert_num_queries, size, query, closed
):
    review_round, audiences, principles = make_large_round(size)
    if closed:
        close_round(review_round)
    if query:
        query = {**query, "audience": [audiences[0].slug, audiences[2].slug], "principle": principles[0].slug}
    url = reverse("matrix:round_matrix", args=[review_round.slug])

    expected = MATRIX_PAGE_QUERIES + (PUBLISHED_GROUPS_QUERIES if closed else 0) + (VIEW_QUERIES if query else 0)
    with django_assert_num_queries(expected):
        response = analyst_client.get(url, query)

    assert response.status_code == 200
    assert "govuk-error-summary" not in response.content.decode()
    rows = response.content.decode().count("data-principles-met")
    assert rows == min(size, MATRIX_ROWS_PER_PAGE) if not query else 0 < rows <= MATRIX_ROWS_PER_PAGE


# Session, user and two-factor device (3), the navigation (2), the page count and rows, expected,
# submitted, use cases.
ROUNDS_PAGE_QUERIES = 10


@pytest.mark.parametrize("rounds", [2, 30])
def test_the_rounds_page_makes_the_same_queries_for_2_or_30_rounds(analyst_client, django_assert_num_queries, rounds):
    organisation = make_organisation()
    for _ in range(rounds):
        version = make_version()
        review_round = make_round()
        make_assignment(review_round=review_round, version=version, organisation=organisation)
        make_assignment(review_round=review_round, version=version, reviewer=make_reviewer())

    with django_assert_num_queries(ROUNDS_PAGE_QUERIES):
        response = analyst_client.get(reverse("matrix:rounds"))

    assert response.status_code == 200


# --- The rounds page ------------------------------------------------------------------------------


def test_the_rounds_page_shows_state_rule_dates_and_progress(demo, analyst_client):
    response = analyst_client.get(reverse("matrix:rounds"))

    page = main_content(response)
    fieldwork = page[page.index("Fieldwork 2023 (from the report)") :]
    assert "Closed" in fieldwork[:2000]
    assert "More than 50% of reviewers who decided, at least 2 reviews" in fieldwork
    assert "9 January 2023" in fieldwork and "17 February 2023" in fieldwork
    assert "36 of 36 expected reviews submitted" in fieldwork
    assert reverse("matrix:round_matrix", args=["fieldwork-2023"]) in page
    winter = page[page.index("Winter 2026 review") : page.index("Fieldwork 2023")]
    assert "Open" in winter


def test_progress_counts_each_person_once_per_version_and_only_active_members(db):
    organisation = make_organisation()
    other = make_organisation()
    members = [make_reviewer(organisation=organisation) for _ in range(3)]
    make_reviewer(organisation=organisation, is_active=False)  # has left: not expected
    both = members[0]
    other.memberships.create(user=both)  # in two organisations given the same version
    outsider = make_reviewer(organisation=other)
    first, second = make_version(), make_version()
    review_round = make_round()
    make_assignment(review_round=review_round, version=first, organisation=organisation)  # 3 active members
    make_assignment(review_round=review_round, version=first, organisation=other)  # both again, outsider: +1
    make_assignment(review_round=review_round, version=first, reviewer=both)  # both again: +0
    make_assignment(review_round=review_round, version=second, reviewer=both)  # +1
    left = make_user(is_active=False)
    make_assignment(review_round=review_round, version=second, reviewer=left)  # asked in person: +1
    principles = list(review_round.principles.all())
    submit(outsider, review_round, first, dict.fromkeys(principles, "meets"))
    submit(both, review_round, second, dict.fromkeys(principles, "meets"), organisation=organisation)
    empty_round = make_round()

    summaries = {summary.slug: summary for summary in rounds_page(None).rounds}

    assert (summaries[review_round.slug].expected, summaries[review_round.slug].submitted) == (6, 2)
    assert summaries[review_round.slug].use_cases == 2
    assert (summaries[empty_round.slug].expected, summaries[empty_round.slug].submitted) == (0, 0)


def test_a_closed_round_shows_the_day_it_actually_closed(analyst_client):
    closed_at = timezone.make_aware(timezone.datetime(2026, 3, 4, 12, 0))
    make_round(
        status=ReviewRound.Status.CLOSED,
        name="Early close",
        closes_on=timezone.datetime(2026, 3, 31).date(),
        closed_at=closed_at,
    )

    page = main_content(analyst_client.get(reverse("matrix:rounds")))

    assert "4 March 2026" in page and "31 March 2026" not in page


def test_a_page_of_rounds_that_does_not_exist_shows_the_last_page(analyst_client):
    make_round(name="Only round")
    for page_number in ("abc", "9999"):
        response = analyst_client.get(reverse("matrix:rounds"), {"page": page_number})
        assert response.status_code == 200
        assert "Only round" in main_content(response)


# --- Why this cell --------------------------------------------------------------------------------


@pytest.fixture
def cell_world(db):
    """A round with two use cases; five reviewers from three organisations (Crisis 3, Nacro 1, St Basils 1)."""
    audience, crisis, relevant, clear, review_round = small_world()
    nacro = make_organisation(name="Nacro")
    st_basils = make_organisation(name="St Basils")
    first = make_version(audience=audience, title="Repeat homelessness")
    second = make_version(audience=audience, title="Rough sleeping")
    for version in (first, second):
        for organisation in (crisis, nacro, st_basils):
            make_assignment(review_round=review_round, version=version, organisation=organisation)
    people = [
        make_reviewer(organisation=organisation, email=f"person{i}@{organisation.slug}.example", full_name=f"Name {i}")
        for i, organisation in enumerate((crisis, crisis, crisis, nacro, st_basils))
    ]
    return {
        "round": review_round,
        "first": first,
        "second": second,
        "relevant": relevant,
        "clear": clear,
        "people": people,
    }


def cell_url(world, version, principle) -> str:
    return reverse("matrix:cell", args=[world["round"].slug, version.use_case.slug, version.number, principle.slug])


def test_the_cell_page_lists_every_submitted_verdict_with_its_words_and_the_rule(analyst_client, cell_world):
    world = cell_world
    relevant, clear = world["relevant"], world["clear"]
    answers = [
        ("meets", "", "", ""),
        ("meets", "", "", ""),
        ("meets", "It speaks to people's lives.", "Page 2 says so.", ""),
        ("does_not_meet", "It assumes people have offended.", "The first paragraph.", "Say 'people who have'"),
        ("does_not_meet", "Not for this audience.", "", ""),
    ]
    for person, answer in zip(world["people"], answers, strict=True):
        submit(person, world["round"], world["first"], {relevant: answer, clear: "not_sure"})
    matrix_recompute(round_id=world["round"].pk)

    response = analyst_client.get(cell_url(world, world["first"], relevant))

    assert response.status_code == 200
    page = main_content(response)
    assert "3 of 5 reviewers who decided said it meets; more than half is needed." in page
    assert '<span class="portal-matrix__symbol portal-matrix__symbol--tick" aria-hidden="true">✓</span> Meets' in page
    assert page.count("data-verdict") == 5
    for words in ("It assumes people have offended.", "The first paragraph.", "Say &#x27;people who have&#x27;"):
        assert words in page
    assert [int(n) for n in re.findall(r"Reviewer (\d+):", page)] == [1, 2, 3, 4, 5]
    for identifying in ("@", ".example", "Name 1", "person"):
        assert identifying not in page

    page = main_content(analyst_client.get(cell_url(world, world["first"], clear)))
    assert "Nobody decided either way: all 5 reviewers were not sure." in page
    assert "Not enough reviews" in page


def test_the_rule_in_words():
    def words(meets, does_not_meet, not_sure, outcome, threshold="0.50", min_reviews=2):
        cell = Cell(outcome=outcome, meets=meets, does_not_meet=does_not_meet, not_sure=not_sure)
        return cell_rule_in_words(cell, threshold=Decimal(threshold), min_reviews=min_reviews)

    assert words(3, 2, 0, "tick") == "3 of 5 reviewers who decided said it meets; more than half is needed"
    assert words(3, 3, 1, "cross") == "3 of 6 reviewers who decided said it meets; more than half is needed"
    assert words(3, 2, 0, "cross", threshold="0.60") == (
        "3 of 5 reviewers who decided said it meets; more than 60% is needed"
    )
    one = "1 of 1 reviewer who decided said it meets; more than half is needed"
    assert words(1, 0, 0, "tick", min_reviews=1) == one
    assert words(1, 1, 0, "insufficient", min_reviews=3) == "2 reviews, at least 3 are needed"
    assert words(0, 0, 0, "insufficient") == "0 reviews, at least 2 are needed"
    assert words(0, 0, 1, "insufficient", min_reviews=1) == "nobody decided either way: 1 reviewer was not sure"


def test_pseudonyms_are_numbered_within_each_use_case_and_kept_when_someone_withdraws(analyst_client, cell_world):
    world = cell_world
    relevant, clear = world["relevant"], world["clear"]
    first_person, second_person, third_person = world["people"][:3]
    for person, version, reason in (
        (first_person, world["first"], "First person here"),
        (second_person, world["second"], "Second person"),
        (third_person, world["first"], "Third person"),
        (first_person, world["second"], "First person there"),
    ):
        submit(person, world["round"], version, {relevant: ("does_not_meet", reason, "", ""), clear: "meets"})
    review_withdraw(
        review=Review.objects.get(reviewer=third_person), actor=third_person, expected_lock_version=1
    )  # withdrawing keeps everyone's numbers
    matrix_recompute(round_id=world["round"].pk)

    first_page = main_content(analyst_client.get(cell_url(world, world["first"], relevant)))
    second_page = main_content(analyst_client.get(cell_url(world, world["second"], relevant)))

    assert re.search(r"Reviewer 1:.*?First person here", first_page, re.S)
    assert re.search(r"Reviewer 1:.*?Second person", second_page, re.S)
    assert re.search(r"Reviewer 2:.*?First person there", second_page, re.S)
    assert "Third person" not in first_page, "a withdrawn review stops counting"
    assert "Reviewer 2" not in first_page, "and its number is not given to anyone else"
    assert "Reviewer 3" not in first_page + second_page


def test_organisations_are_named_only_with_at_least_k_reviewers_once_the_round_has_closed(analyst_client, cell_world):
    """Crisis 3 is named; Nacro 1 and St Basils 2 are shown together as "Other organisations"."""
    world = cell_world
    relevant = world["relevant"]
    people = [*world["people"], make_reviewer(organisation=world["people"][4].memberships.get().organisation)]
    verdicts = ["meets", "meets", "does_not_meet", "not_sure", "does_not_meet", "meets"]
    for person, verdict in zip(people, verdicts, strict=True):
        submit(person, world["round"], world["first"], {relevant: verdict, world["clear"]: "meets"})
    matrix_recompute(round_id=world["round"].pk)
    url = cell_url(world, world["first"], relevant)

    page = main_content(analyst_client.get(url))
    assert "data-organisation-group" not in page
    assert "shown by organisation when the round closes" in text(page)

    close_round(world["round"])
    page = main_content(analyst_client.get(url))
    breakdown = page[page.index('id="by-organisation"') : page.index("What reviewers said")]
    rows = [text(row) for row in breakdown.split("data-organisation-group>")[1:]]
    assert rows[0].startswith("Crisis 3 2 1 0")
    assert rows[1].startswith("Other organisations 3 1 1 1")
    assert "Nacro" not in page and "St Basils" not in page

    with override_settings(ANONYMITY_MIN_GROUP=4):  # Crisis is too small to name; one group is all
        page = main_content(analyst_client.get(url))
    assert "data-no-organisation-breakdown" in page
    assert "Crisis" not in page


def test_a_cell_with_no_verdicts_says_so(analyst_client, cell_world):
    world = cell_world
    Matrix.objects.filter(round=world["round"]).delete()

    page = main_content(analyst_client.get(cell_url(world, world["second"], world["relevant"])))

    assert "No reviewer has submitted a verdict on this principle yet." in page
    assert "0 reviews, at least 2 are needed." in page


def test_a_principle_outside_the_round_or_an_unknown_version_is_not_found(analyst_client, cell_world):
    world = cell_world
    outside = make_principle(slug="realism")
    slug = world["round"].slug
    use_case = world["first"].use_case.slug

    assert analyst_client.get(cell_url(world, world["first"], outside)).status_code == 404
    assert analyst_client.get(reverse("matrix:cell", args=[slug, use_case, 7, "relevant"])).status_code == 404
    assert analyst_client.get(reverse("matrix:cell", args=[slug, "nothing-here", 1, "relevant"])).status_code == 404
    assert analyst_client.get(reverse("matrix:cell", args=["no-round", use_case, 1, "relevant"])).status_code == 404
    assert analyst_client.get(reverse("matrix:round_matrix", args=["no-round"])).status_code == 404
