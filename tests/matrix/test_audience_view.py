"""The matrix by reviewing audience and the per-round flag rule (docs/analysts.md, "By reviewing
audience" and "Flagged for discussion"; docs/admin-rounds.md): a review counts under each audience
its organisation serves; an audience's counts and flags show only once the round has closed and only
where its organisations' reviewers are a whole number of the anonymity rule's groups; the flag
rule is set by programme admins only, with an audit row."""

import csv
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.test.utils import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from audiences.models import Audience
from bold_portal.models import AuditEvent
from matrix import disclosure
from matrix.exporters.registry import EXPORTERS
from matrix.selectors.audience_view import audience_view
from matrix.services.recompute import matrix_recompute
from reviews.models import ReviewRound
from reviews.services.reviews import review_withdraw
from reviews.services.rounds import round_flag_rule_change
from tests.factories import (
    close_round,
    make_admin,
    make_analyst,
    make_assignment,
    make_audience,
    make_author,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from tests.matrix.analyst_support import make_lead, submit
from tests.pages import main_content

pytestmark = pytest.mark.django_db

MEETS, CROSSED, UNSURE = "meets", "does_not_meet", "not_sure"
NAMED = "flagged for discussion: an organisation serving Victims said does not meet"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


class World:
    """One open round with two principles and one use case. Victim Support serves victims only;
    Both Ways serves victims and homelessness; Crisis serves homelessness only. Three reviewers
    from each (the anonymity minimum is 3)."""

    def __init__(self):
        self.victims = make_audience(name="Victims", slug="victims", display_order=1)
        self.homelessness = make_audience(name="Homelessness", slug="homelessness", display_order=2)
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.clear = make_principle(name="Clear and informative", slug="clear", order=2)
        self.version = make_version(audience=self.homelessness, title="Routes into housing")
        self.round = make_round(principles=[self.relevant, self.clear], versions=[self.version], slug="spring")
        self.victim_support = make_organisation(name="Victim Support", audiences=[self.victims])
        self.both = make_organisation(name="Both Ways", audiences=[self.victims, self.homelessness])
        self.crisis = make_organisation(name="Crisis", audiences=[self.homelessness])
        self.reviewers = {}
        for organisation in (self.victim_support, self.both, self.crisis):
            make_assignment(review_round=self.round, version=self.version, organisation=organisation)
            self.reviewers[organisation.name] = [make_reviewer(organisation=organisation) for _ in range(3)]

    def review(self, organisation, index, relevant, clear=MEETS):
        reviewer = self.reviewers[organisation.name][index]
        return submit(reviewer, self.round, self.version, {self.relevant: relevant, self.clear: clear})

    def cell_url(self, principle="relevant"):
        return reverse("matrix:cell", args=[self.round.slug, self.version.use_case.slug, 1, principle])

    @property
    def by_audience_url(self):
        return reverse("matrix:round_by_audience", args=[self.round.slug])

    def close(self):
        self.round = close_round(self.round)


@pytest.fixture
def world(db):
    return World()


def counts(world, audience):
    """The audience's counts on each principle, as matrix.disclosure lets them be shown."""
    groups = disclosure.round_groups(world.round).of(world.version.pk)
    serving = disclosure.serving_organisations([audience])[audience.name]
    return {principle: groups.union_counts(serving, principle.pk) for principle in (world.relevant, world.clear)}


# --- Counting under each audience served ---------------------------------------------------------


def test_a_review_counts_under_each_audience_its_organisation_serves(world):
    for index in range(3):
        world.review(world.victim_support, index, MEETS)
        world.review(world.both, index, CROSSED)
        world.review(world.crisis, index, UNSURE)
    world.close()

    victims = counts(world, world.victims)[world.relevant]
    homelessness = counts(world, world.homelessness)[world.relevant]
    # Both Ways' three reviews count under both of its audiences.
    assert (victims.reviewers, victims.meets, victims.does_not_meet, victims.not_sure) == (6, 3, 3, 0)
    assert (homelessness.reviewers, homelessness.meets, homelessness.does_not_meet, homelessness.not_sure) == (
        6,
        0,
        3,
        3,
    )
    # So the parts add up to more than the whole: 12 under the audiences, 9 reviews.
    assert victims.reviewers + homelessness.reviewers == 12 > 9


def test_only_submitted_reviews_with_an_organisation_serving_the_audience_count(world):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
    withdrawn = world.review(world.both, 0, CROSSED)
    review_withdraw(
        review=withdrawn, actor=world.reviewers["Both Ways"][0], expected_lock_version=withdrawn.lock_version
    )
    unaudienced = make_organisation(name="Serves nobody")
    make_assignment(review_round=world.round, version=world.version, organisation=unaudienced)
    for _ in range(3):
        submit(
            make_reviewer(organisation=unaudienced),
            world.round,
            world.version,
            {world.relevant: CROSSED, world.clear: MEETS},
        )
    world.close()

    assert counts(world, world.victims)[world.relevant].reviewers == 3
    assert counts(world, world.homelessness) == {world.relevant: None, world.clear: None}


def test_an_audience_is_hidden_while_the_round_is_open(world):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
        world.review(world.crisis, index, MEETS)

    assert counts(world, world.victims) == {world.relevant: None, world.clear: None}
    view = audience_view(world.round, audience=world.victims, page_number=None)
    assert not view.published
    assert [(cell.counts, cell.outcome) for cell in view.rows[0].cells] == [(None, None), (None, None)]


def test_an_audience_that_would_reveal_a_smaller_group_by_subtraction_is_hidden(world):
    """Victim Support 3 and one Crisis reviewer: Victims' count is Victim Support's 3, but the
    totals minus it would be Crisis's one reviewer. Neither audience is shown."""
    for index in range(3):
        world.review(world.victim_support, index, CROSSED, clear=MEETS)
    world.review(world.crisis, 0, MEETS)
    world.close()

    victims = audience_view(world.round, audience=world.victims, page_number=None)
    homelessness = audience_view(world.round, audience=world.homelessness, page_number=None)

    assert victims.published
    for view in (victims, homelessness):
        assert [(cell.counts, cell.outcome) for cell in view.rows[0].cells] == [(None, None), (None, None)]


def test_the_audience_view_shows_an_audience_that_is_whole_groups(world):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED, clear=MEETS)
        world.review(world.crisis, index, MEETS)
    world.close()

    relevant, clear = audience_view(world.round, audience=world.victims, page_number=None).rows[0].cells

    assert (relevant.outcome, relevant.counts.does_not_meet, relevant.counts.reviewers) == ("cross", 3, 3)
    assert (clear.outcome, clear.counts.meets) == ("tick", 3)


# --- Flags ---------------------------------------------------------------------------------------


def flag(world, principle=None):
    return round_flags(world).get((world.version.pk, (principle or world.relevant).pk))


def round_flags(world):
    groups = disclosure.round_groups(world.round)
    return disclosure.round_flags(world.round, groups, [world.relevant.pk, world.clear.pk])


def test_without_a_flag_rule_nothing_is_flagged(world):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
    world.close()
    assert round_flags(world) == {}


def test_a_does_not_meet_from_a_flag_audience_flags_the_cell_and_names_the_audience(world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    for index in range(3):
        world.review(world.victim_support, index, MEETS if index else CROSSED)
        world.review(world.crisis, index, CROSSED, clear=CROSSED)
    assert round_flags(world) == {}, "nothing while the round is open"
    world.close()

    assert flag(world).named == ("Victims",)
    assert flag(world).in_words == NAMED
    # Crisis serves homelessness, which is not a flag audience: its cross flags nothing.
    assert flag(world, world.clear) is None


def test_a_concern_from_a_group_too_small_to_show_flags_nothing(world):
    """Two Victim Support reviewers: too few to show, so the flag would tell what they said."""
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    world.review(world.victim_support, 0, CROSSED)
    world.review(world.victim_support, 1, MEETS)
    world.close()

    assert round_flags(world) == {}


def test_a_flag_audience_mixed_with_others_in_a_group_flags_nothing(world):
    """Victim Support 3 and one Crisis reviewer make one group: a Victims flag would be a figure
    about Victim Support apart from Crisis."""
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
    world.review(world.crisis, 0, MEETS)
    world.close()

    assert round_flags(world) == {}


@override_settings(ANONYMITY_MIN_GROUP=2)
def test_the_anonymity_minimum_comes_from_the_setting(world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    world.review(world.victim_support, 0, CROSSED)
    world.review(world.victim_support, 1, MEETS)
    world.close()

    assert flag(world).in_words == NAMED


# --- The flag rule service -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ReviewRound.Status.DRAFT, ReviewRound.Status.OPEN, ReviewRound.Status.CLOSED])
def test_an_admin_sets_the_flag_rule_in_any_state_with_an_audit_row(world, status):
    ReviewRound.objects.filter(pk=world.round.pk).update(status=status, closed_at=world.round.created_at)
    admin = make_admin()
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=admin)
    round_flag_rule_change(review_round=world.round, audiences=[world.homelessness, world.victims], actor=admin)

    assert set(world.round.flag_audiences.all()) == {world.victims, world.homelessness}
    events = AuditEvent.objects.filter(action="round_flag_rule_changed").order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        ({"flag_audiences": []}, {"flag_audiences": ["victims"]}),
        ({"flag_audiences": ["victims"]}, {"flag_audiences": ["homelessness", "victims"]}),
    ]
    assert (events[0].actor, events[0].object_id) == (admin, str(world.round.pk))


def test_an_unknown_audience_is_refused_and_changes_nothing(world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    gone = Audience(pk=999_999, name="Gone", slug="gone")

    with pytest.raises(ValidationError) as error:
        round_flag_rule_change(review_round=world.round, audiences=[world.homelessness, gone], actor=None)

    assert error.value.message_dict == {"audiences": ["Choose audiences from the list."]}
    assert list(world.round.flag_audiences.all()) == [world.victims]
    assert AuditEvent.objects.filter(action="round_flag_rule_changed").count() == 1


def test_the_flag_rule_changes_no_outcome(world, django_capture_on_commit_callbacks):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
    matrix_recompute(round_id=world.round.pk)
    rule_version = ReviewRound.objects.get(pk=world.round.pk).rule_version

    with django_capture_on_commit_callbacks() as callbacks:
        round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)

    assert callbacks == []  # no recompute queued
    assert ReviewRound.objects.get(pk=world.round.pk).rule_version == rule_version


# --- The admin's page --------------------------------------------------------------------------------


def test_the_admin_sets_the_rule_on_the_round_page(client, world):
    client.force_login(make_admin())
    detail = reverse("rounds:detail", args=[world.round.slug])
    url = reverse("rounds:flag_rule", args=[world.round.slug])
    assert url in client.get(detail).content.decode()
    page = main_content(client.get(url))
    assert "Victims" in page and "Homelessness" in page

    response = client.post(url, {"audiences": [world.victims.pk]})

    assert response.status_code == 302 and response["Location"] == detail
    assert list(world.round.flag_audiences.all()) == [world.victims]
    assert "When an organisation serving Victims says does not meet" in text(main_content(client.get(detail)))

    # Choosing none clears it.
    client.post(url, {})
    assert not world.round.flag_audiences.exists()


def test_a_bad_audience_on_the_admin_page_is_a_clear_error(client, world):
    client.force_login(make_admin())
    url = reverse("rounds:flag_rule", args=[world.round.slug])

    response = client.post(url, {"audiences": ["not-a-number"]})

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Choose audiences from the list" in page
    assert not world.round.flag_audiences.exists()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "lead", "author"])
def test_only_programme_admins_reach_the_flag_rule_page(client, world, role):
    person = {
        "analyst": make_analyst,
        "reviewer": lambda: world.reviewers["Crisis"][0],
        "lead": lambda: make_lead(organisation=world.crisis),
        "author": make_author,
    }[role]()
    client.force_login(person)
    url = reverse("rounds:flag_rule", args=[world.round.slug])

    assert client.get(url).status_code == 404
    assert client.post(url, {"audiences": [world.victims.pk]}).status_code == 404
    assert not world.round.flag_audiences.exists()


def test_anonymous_visitors_are_sent_to_sign_in_from_the_flag_rule_page(client, world):
    url = reverse("rounds:flag_rule", args=[world.round.slug])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- The analysts' pages ------------------------------------------------------------------------------


@pytest.fixture
def analyst_client(client):
    client.force_login(make_analyst())
    return client


def test_the_by_audience_page_shows_the_chosen_audiences_counts_and_says_parts_overlap(analyst_client, world):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
        world.review(world.crisis, index, MEETS)

    first = text(main_content(analyst_client.get(world.by_audience_url)))
    assert "A review counts under each audience its organisation serves" in first
    assert "add up to more than the whole" in first
    assert "Routes into housing" not in first  # nothing until an audience is chosen

    while_open = text(main_content(analyst_client.get(world.by_audience_url, {"audience": "victims"})))
    assert "The counts by reviewing audience are shown when the round closes." in while_open
    assert "Shown when the round closes" in while_open and "3 does not meet" not in while_open

    world.close()
    victims = text(main_content(analyst_client.get(world.by_audience_url, {"audience": "victims"})))
    assert "Reviews from organisations serving Victims" in victims
    assert "Does not meet: 0 meet, 3 do not meet, 0 not sure" in victims
    assert "shown when the round closes" not in victims.lower()


def test_the_by_audience_page_says_why_a_cell_is_hidden(analyst_client, world):
    for index in range(3):
        world.review(world.victim_support, index, CROSSED)
    world.review(world.crisis, 0, MEETS)
    world.close()

    homelessness = text(main_content(analyst_client.get(world.by_audience_url, {"audience": "homelessness"})))
    assert (
        "Not shown: too few reviews from organisations serving Homelessness, "
        "or showing them would reveal a group of fewer than 3"
    ) in homelessness
    assert "1 meet" not in homelessness


@pytest.mark.parametrize("audience", ["nobody", ""])
def test_a_bad_audience_choice_is_a_clear_error_not_a_500(analyst_client, world, audience):
    response = analyst_client.get(world.by_audience_url, {"audience": audience})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and 'href="#audience"' in page
    assert "Routes into housing" not in main_content(response)


def test_flags_show_by_symbol_and_words_on_the_matrix_cell_and_audience_pages(analyst_client, world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    for index in range(3):
        world.review(world.victim_support, index, CROSSED if index == 0 else MEETS)
    matrix_recompute(round_id=world.round.pk)
    matrix_url = reverse("matrix:round_matrix", args=[world.round.slug])

    matrix = main_content(analyst_client.get(matrix_url))
    assert "data-flagged" not in matrix and "data-groups-unpublished" in matrix
    assert 'data-flag="after-close"' in main_content(analyst_client.get(world.cell_url()))

    world.close()
    matrix = main_content(analyst_client.get(matrix_url))
    assert matrix.count("data-flagged") == 1
    assert "⚑" in matrix and NAMED in text(matrix)
    assert "an organisation serving Victims said the use case does not meet" in text(matrix)  # the key

    cell = main_content(analyst_client.get(world.cell_url()))
    assert 'data-flag="flagged"' in cell and "F" + NAMED[1:] in text(cell)
    assert 'data-flag="not-flagged"' in main_content(analyst_client.get(world.cell_url("clear")))

    by_audience = main_content(analyst_client.get(world.by_audience_url, {"audience": "homelessness"}))
    assert by_audience.count("data-flagged") == 1 and "F" + NAMED[1:] in text(by_audience)


def test_a_concern_too_small_to_show_leaves_no_mark_on_the_pages(analyst_client, world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    world.review(world.victim_support, 0, CROSSED)
    matrix_recompute(round_id=world.round.pk)
    world.close()

    matrix = main_content(analyst_client.get(reverse("matrix:round_matrix", args=[world.round.slug])))
    cell = main_content(analyst_client.get(world.cell_url()))
    assert "data-flagged" not in matrix
    assert 'data-flag="not-flagged"' in cell
    assert NAMED not in text(matrix + cell).lower()


def test_exports_end_with_the_flagged_principles_and_never_name_the_audience(world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    for index in range(3):
        world.review(world.victim_support, index, CROSSED, clear=CROSSED)
    matrix_recompute(round_id=world.round.pk)
    world.close()

    rows = list(csv.reader(io.StringIO(EXPORTERS["csv"].render(world.round).decode("utf-8-sig"))))
    # Then the round's four columns (round, threshold, min_reviews, computed_at) and the decision's three.
    assert rows[0][-9:-7] == ["declared_interest", "flagged"]
    assert rows[1][-8] == "relevant|clear"
    document = json.loads(EXPORTERS["json"].render(world.round))
    assert list(document["rows"][0])[-2:] == ["flagged", "decision"]
    assert document["rows"][0]["flagged"] == ["relevant", "clear"]
    for identifier in ("csv", "json"):
        assert b"Victims" not in EXPORTERS[identifier].render(world.round)

    # The XLSX Matrix sheet marks the cell in words; its Matrix data sheet has the CSV's column.
    sheets = load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(world.round)), read_only=True)
    matrix_cells = [value for row in sheets["Matrix"].iter_rows(values_only=True) for value in row]
    assert sum("⚑ Flagged for discussion" in str(value) for value in matrix_cells) == 2
    assert next(sheets["Matrix data"].iter_rows(values_only=True))[-9] == "flagged"


def test_exports_of_an_open_round_leave_flags_and_marks_empty(world):
    round_flag_rule_change(review_round=world.round, audiences=[world.victims], actor=None)
    for index in range(3):
        world.review(world.victim_support, index, CROSSED, clear=CROSSED)
    matrix_recompute(round_id=world.round.pk)

    rows = list(csv.reader(io.StringIO(EXPORTERS["csv"].render(world.round).decode("utf-8-sig"))))
    assert rows[1][-9:-7] == ["", ""]
    document = json.loads(EXPORTERS["json"].render(world.round))
    assert (document["rows"][0]["declared_interest"], document["rows"][0]["flagged"]) == (None, None)
    sheets = load_workbook(io.BytesIO(EXPORTERS["xlsx"].render(world.round)), read_only=True)
    about = " ".join(str(value) for row in sheets["About"].iter_rows(values_only=True) for value in row)
    assert "Shown once the round has closed" in about


@pytest.mark.parametrize("role", ["reviewer", "lead", "author", "no role"])
def test_reviewers_leads_and_authors_do_not_find_the_by_audience_page(client, world, role):
    person = {
        "reviewer": lambda: world.reviewers["Crisis"][0],
        "lead": lambda: make_lead(organisation=world.crisis),
        "author": make_author,
        "no role": make_user,
    }[role]()
    client.force_login(person)
    assert client.get(world.by_audience_url, {"audience": "victims"}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_from_the_by_audience_page(client, world):
    response = client.get(world.by_audience_url, {"audience": "victims"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Query counts ------------------------------------------------------------------------------------

# Session, user and two-factor device (3), the navigation (2), the round, the audience choices, the
# chosen audience, the flag audiences' names, and the audience view's own (its docstring: three
# while the round is open, six once it has closed).
BY_AUDIENCE_PAGE_QUERIES = {False: 12, True: 15}


def bigger_world(use_cases: int, *, closed: bool):
    """use_cases use cases, each reviewed by three reviewers of an organisation serving two
    audiences and one of an organisation serving one, with the flag rule set."""
    victims = make_audience(name="Victims", slug="victims")
    homelessness = make_audience(name="Homelessness", slug="homelessness")
    principles = [make_principle() for _ in range(3)]
    versions = [make_version(audience=homelessness) for _ in range(use_cases)]
    review_round = make_round(principles=principles, versions=versions)
    both = make_organisation(audiences=[victims, homelessness])
    one = make_organisation(audiences=[victims])
    reviewers = [make_reviewer(organisation=both) for _ in range(3)] + [make_reviewer(organisation=one)]
    for version in versions:
        for organisation in (both, one):
            make_assignment(review_round=review_round, version=version, organisation=organisation)
        for reviewer in reviewers:
            submit(reviewer, review_round, version, dict.fromkeys(principles, CROSSED))
    round_flag_rule_change(review_round=review_round, audiences=[victims], actor=None)
    matrix_recompute(round_id=review_round.pk)
    return close_round(review_round) if closed else review_round


@pytest.mark.parametrize("use_cases", [2, 12])
@pytest.mark.parametrize("closed", [False, True])
def test_the_by_audience_page_makes_the_same_queries_for_2_or_12_use_cases(
    analyst_client, django_assert_num_queries, use_cases, closed
):
    review_round = bigger_world(use_cases, closed=closed)
    url = reverse("matrix:round_by_audience", args=[review_round.slug])

    with django_assert_num_queries(BY_AUDIENCE_PAGE_QUERIES[closed]):
        response = analyst_client.get(url, {"audience": "victims"})

    page = main_content(response)
    assert page.count("data-use-case=") == use_cases
    # Both organisations serve Victims: together they are the use case's one group of 4.
    assert page.count("data-flagged") == (use_cases * 3 if closed else 0)
    assert ("0 meet, 4 do not meet, 0 not sure" in text(page)) is closed


def test_flag_audiences_are_named_in_the_audiences_order_not_alphabetically(db):
    """The report's order (or the order admins set), as the matrix's groups are: Victims before
    Homelessness when it comes first."""
    victims = make_audience(name="Victims", display_order=1)
    homelessness = make_audience(name="Homelessness", display_order=2)
    for audience in (homelessness, victims):
        make_organisation(audiences=[audience])

    serving = disclosure.serving_organisations(Audience.objects.filter(pk__in=[victims.pk, homelessness.pk]))

    assert list(serving) == ["Victims", "Homelessness"]
