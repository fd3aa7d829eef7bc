"""The audit trail in words: names beside numbers (as named when the row was written where the
row holds the name, else as named now), filters by round and organisation by name, a bulk action's
pairs on the row's own page, per-action sentences from the registry, and flat query counts."""

import csv
import io

import pytest

from audiences.models import Membership
from audiences.services.memberships import membership_role_change
from bold_portal.models import AuditEvent, audit
from reviews.services.assignments import assignments_by_audience_create
from tests.factories import (
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)
from tests.pages import main_content

pytestmark = pytest.mark.django_db

URL = "/manage/audit/"


def rows(response) -> str:
    """The list of rows on the audit page (not the filter's choices)."""
    page = main_content(response)
    start = page.find('id="audit-events"')
    return page[start : page.find("</ol>", start)] if start != -1 else ""


def test_a_round_is_named_as_it_was_when_the_row_was_written(client, admin):
    review_round = make_round(principles=[make_principle()], name="Spring 2027")
    audit(actor=admin, action="round_opened", obj=review_round, before={"status": "draft"}, after={"status": "open"})
    review_round.name = "Spring 2027 (renamed)"
    review_round.save()

    page = rows(client.get(URL, {"action": "round_opened"}))

    assert f"Review round {review_round.pk}: Spring 2027" in page
    assert "renamed" not in page


def test_old_rows_without_a_stored_name_show_the_name_now(client, admin):
    review_round = make_round(principles=[make_principle()], name="Autumn 2027")
    AuditEvent.objects.create(
        actor=admin, action="round_closed", object_type="reviews.reviewround", object_id=str(review_round.pk)
    )

    page = rows(client.get(URL, {"action": "round_closed"}))

    assert f"Review round {review_round.pk}: Autumn 2027" in page


def test_ids_in_a_row_are_shown_with_names_and_the_action_has_a_sentence(client, admin):
    st_basils, nacro = make_organisation(name="St Basils"), make_organisation(name="Nacro")
    person = make_reviewer(organisation=st_basils, full_name="Rowan Reviewer")
    membership = Membership.objects.get(user=person, organisation=st_basils)
    membership_role_change(membership=membership, role=Membership.Role.LEAD, actor=admin)
    audit(actor=admin, action="round_drafts_left", obj=None, reviewers=[person.pk], organisation=nacro.pk)

    page = rows(client.get(URL))

    assert f"Role of Rowan Reviewer ({person.pk}) at St Basils ({st_basils.pk}) changed from reviewer to lead" in page
    assert f"Reviewers: Rowan Reviewer ({person.pk})" in page
    assert f"Organisation: Nacro ({nacro.pk})" in page


def test_the_trail_filters_by_round_and_by_organisation_by_name(client, admin):
    spring, autumn = make_round(name="Spring"), make_round(name="Autumn")
    st_basils, nacro = make_organisation(name="St Basils"), make_organisation(name="Nacro")
    for review_round in (spring, autumn):
        audit(actor=admin, action="round_opened", obj=review_round)
    audit(actor=admin, action="interest_declared", obj=None, organisation=st_basils.slug, round=spring.slug)
    audit(actor=admin, action="organisation_updated", obj=nacro)

    about_spring = rows(client.get(URL, {"round": str(spring.pk)}))
    about_st_basils = rows(client.get(URL, {"organisation": str(st_basils.pk)}))

    assert "Interest declared" in about_spring and f"Review round {spring.pk}: Spring" in about_spring
    assert "Autumn" not in about_spring and "Nacro" not in about_spring
    assert "Interest declared" in about_st_basils
    assert "Round opened" not in about_st_basils and "Nacro" not in about_st_basils


def test_a_round_or_organisation_not_in_the_list_is_a_clear_error(client, admin):
    response = client.get(URL, {"round": "999999", "organisation": "not-a-number"})

    page = main_content(response)
    assert response.status_code == 200
    assert "Choose a round from the list" in page and "Choose an organisation from the list" in page


def test_a_bulk_assignment_lists_its_pairs_on_the_rows_page(client, admin):
    audience = make_audience()
    st_basils = make_organisation(name="St Basils", audiences=[audience])
    version = make_version(audience=audience, title="Housing first")
    draft = make_round(status="draft", principles=[make_principle()])
    draft.versions.add(version)
    assignments_by_audience_create(review_round=draft, due_on=None, actor=admin)
    event = AuditEvent.objects.get(action="assignments_made_by_audience")

    page = main_content(client.get(f"{URL}{event.pk}/"))

    assert "1 assignments made in" in page
    assert f"Housing first ({version.pk})" in page and f"St Basils ({st_basils.pk})" in page


def test_a_bulk_row_written_before_pairs_were_stored_says_so(client, admin):
    draft = make_round(status="draft")
    event = audit(actor=admin, action="assignments_made_by_audience", obj=draft, assignments=4)

    page = main_content(client.get(f"{URL}{event.pk}/"))

    assert "was not recorded before this version" in page


def test_a_row_that_does_not_exist_is_a_404(client, admin):
    assert client.get(f"{URL}999999/").status_code == 404


def test_the_csv_has_the_name_and_the_row_in_words(client, admin):
    review_round = make_round(name="Spring 2027")
    audit(actor=admin, action="round_closed", obj=review_round)

    response = client.get(f"{URL}download/", {"action": "round_closed"})

    header, row = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row[header.index("Object name")] == "Spring 2027"
    assert row[header.index("In words")] == f"Round closed: Review round {review_round.pk}: Spring 2027"


def test_names_cost_the_same_few_queries_however_many_rows(client, admin, django_assert_max_num_queries):
    def add_rows(count):
        for _ in range(count):
            organisation = make_organisation()
            person = make_reviewer(organisation=organisation)
            audit(actor=admin, action="round_drafts_left", obj=make_round(), reviewers=[person.pk], round=1)
            audit(actor=admin, action="member_reminded", obj=organisation, organisation=organisation.pk)

    add_rows(2)
    with django_assert_max_num_queries(40) as few:
        client.get(URL)
    add_rows(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
