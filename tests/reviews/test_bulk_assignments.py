"""Assignment in bulk: the use case x organisation grid, a file of
assignments checked in full and previewed before anything changes, due dates changed for a round
or an organisation, and single adds that pre-fill the round's due date and offer only the
organisations that do not have the use case yet. Bad input on each: a clear error, nothing changed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bold_portal.models import AuditEvent
from reviews.models import Assignment, ReviewRound, RoundVersion
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_reviewer,
    make_round,
    make_version,
)
from tests.pages import date_fields

pytestmark = pytest.mark.django_db

SOON = timezone.localdate() + datetime.timedelta(days=20)
CLOSES = timezone.localdate() + datetime.timedelta(days=40)


class World:
    def __init__(self):
        audience = make_audience(name="Homelessness")
        self.round = make_round(status=ReviewRound.Status.DRAFT, slug="spring", name="Spring", closes_on=CLOSES)
        self.crisis = make_organisation(name="Crisis", slug="crisis", audiences=[audience])
        self.nacro = make_organisation(name="Nacro", slug="nacro", audiences=[audience])
        self.person = make_reviewer(organisation=self.crisis, email="ann@crisis.example")
        self.housing = make_version(audience=audience, title="Housing after prison")
        self.treatment = make_version(audience=audience, title="Treatment and housing")
        self.round.versions.add(self.housing, self.treatment)

    def url(self, name):
        return reverse(f"rounds:{name}", args=[self.round.slug])

    def pairs(self):
        return set(Assignment.objects.values_list("version_id", "organisation_id", "reviewer_id"))


@pytest.fixture
def world():
    return World()


def grid_data(world, pairs, **extra):
    return {
        "versions": f"{world.housing.pk},{world.treatment.pk}",
        "organisations": f"{world.crisis.pk},{world.nacro.pk}",
        "pair": [f"{v.pk}-{o.pk}" for v, o in pairs],
        **date_fields("due_on", SOON),
        **extra,
    }


# --- The grid ---------------------------------------------------------------------------------


def test_the_grid_gives_and_takes_away_many_pairs_in_one_post(client, admin, world):
    make_assignment(review_round=world.round, version=world.treatment, organisation=world.nacro, due_on=CLOSES)
    page = client.get(world.url("assign_grid")).content.decode()
    assert f'value="{world.treatment.pk}-{world.nacro.pk}" checked' in page
    assert "Give Housing after prison (version 1) to Crisis" in page  # each box has a label

    response = client.post(
        world.url("assign_grid"), grid_data(world, [(world.housing, world.crisis), (world.housing, world.nacro)])
    )

    assert response.status_code == 302
    assert world.pairs() == {(world.housing.pk, world.crisis.pk, None), (world.housing.pk, world.nacro.pk, None)}
    assert set(Assignment.objects.values_list("due_on", flat=True)) == {SOON}
    event = AuditEvent.objects.get()
    assert event.action == "assignments_changed_in_bulk" and len(event.data["added"]) == 2
    assert "Saved: 2 given, 1 taken away." in client.get(response["Location"]).content.decode()


def test_the_grid_leaves_pairs_off_the_page_alone(client, admin, world):
    make_assignment(review_round=world.round, version=world.treatment, organisation=world.nacro)
    data = grid_data(world, [(world.housing, world.crisis)], versions=str(world.housing.pk))
    client.post(world.url("assign_grid"), data)
    assert (world.treatment.pk, world.nacro.pk, None) in world.pairs()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"versions": "999999"}, "The round changed since this page was drawn"),
        ({"organisations": "abc"}, "Reload the page and try again"),
        ({"pair": ["1-2-3"]}, "Reload the page and try again"),
        ({"pair": ["999999-1"]}, "The round changed since this page was drawn"),
        ({"due_on_0": "", "due_on_1": "", "due_on_2": ""}, "Enter the due date for the use cases you give now"),
        ({"due_on_0": "31", "due_on_1": "2"}, "must be a real date"),
        (date_fields("due_on", CLOSES + datetime.timedelta(days=1)), "on or before the round&#x27;s closing date"),
    ],
)
def test_bad_input_on_the_grid_changes_nothing(client, admin, world, change, message):
    response = client.post(world.url("assign_grid"), {**grid_data(world, [(world.housing, world.crisis)]), **change})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and message in page
    assert not Assignment.objects.exists() and not AuditEvent.objects.exists()


def test_a_closed_round_grid_is_read_only(client, admin, world):
    ReviewRound.objects.filter(pk=world.round.pk).update(status="closed", closed_at=timezone.now())
    assert "disabled" in client.get(world.url("assign_grid")).content.decode()
    assert client.post(world.url("assign_grid"), grid_data(world, [])).status_code == 404


def test_the_grid_makes_the_same_number_of_queries_whatever_the_size(client, admin, world):
    counts = []
    for size in (3, 60):
        review_round = make_round(status=ReviewRound.Status.DRAFT, slug=f"r{size}", closes_on=CLOSES)
        made = [make_version() for _ in range(size)]
        RoundVersion.objects.bulk_create([RoundVersion(round=review_round, version=v) for v in made])
        Assignment.objects.bulk_create(
            [Assignment(round=review_round, version=v, organisation=world.crisis) for v in made]
        )
        url = reverse("rounds:assign_grid", args=[review_round.slug])
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- A file of assignments --------------------------------------------------------------------


def upload(client, world, text, name="assignments.csv"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(world.url("assign_upload"), {"file": SimpleUploadedFile(name, content, "text/csv")})


def good_file(world):
    slug = world.housing.use_case.slug
    other = world.treatment.use_case.slug
    return (
        "use_case,version,organisation,reviewer_email,due_on\n"
        f"{slug},1,Crisis,,{SOON.isoformat()}\n"
        f"{slug},1,nacro,,\n"
        f"{other},1,,ANN@crisis.example,{SOON.strftime('%d/%m/%Y')}\n"
    )


def test_a_file_is_previewed_then_added_on_confirmation(client, admin, world):
    make_assignment(review_round=world.round, version=world.treatment, organisation=world.nacro, due_on=CLOSES)
    text = good_file(world) + f"{world.treatment.use_case.slug},1,Nacro,,\n"  # already given: left alone
    response = upload(client, world, text)
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 assignments will be added" in page and "1 line names an assignment the round already has" in page
    assert "ann@crisis.example" in page and "Add 3 assignments" in page
    assert Assignment.objects.count() == 1 and not AuditEvent.objects.exists()  # nothing yet

    content = page.split('name="content" value="')[1].split('"')[0]
    response = client.post(world.url("assign_upload_confirm"), {"content": content})

    assert response["Location"] == world.url("assign")
    assert world.pairs() == {
        (world.housing.pk, world.crisis.pk, None),
        (world.housing.pk, world.nacro.pk, None),
        (world.treatment.pk, None, world.person.pk),
        (world.treatment.pk, world.nacro.pk, None),
    }
    assert Assignment.objects.get(organisation=world.nacro, version=world.housing).due_on == CLOSES  # round's date
    assert AuditEvent.objects.get().data["assignments"] == 3


def test_every_problem_in_a_file_is_listed_by_line_and_nothing_changes(client, admin, world):
    slug = world.housing.use_case.slug
    text = (
        "use_case,version,organisation,reviewer_email,due_on\n"
        f"{slug},1,Crisis,,\n"
        "no-such-case,1,Crisis,,\n"
        f"{slug},x,Crisis,,\n"
        f"{slug},1,Nobody Ltd,,\n"
        f"{slug},1,Crisis,ann@crisis.example,\n"
        f"{slug},1,,nobody@example.org,\n"
        f"{slug},1,Nacro,,31/02/2030\n"
        f"{slug},1,Crisis,,\n"
        f"{slug},1\n"
        f"{slug},1,,,\n"
    )
    response = upload(client, world, text)
    page = response.content.decode()
    assert response.status_code == 400 and "<title>Error:" in page
    for expected in (
        "Line 3: Version 1 of the use case “no-such-case” is not in this round",
        "Line 4: The version must be a whole number",
        "Line 5: There is no organisation called “Nobody Ltd”",
        "Line 6: Give an organisation or a reviewer&#x27;s email address, not both",
        "Line 7: There is no active account with the email address nobody@example.org",
        "Line 8: The due date must be a real date",
        "Line 9: This line repeats line 2",
        "Line 10: This line has a different number of values from the header row",
        "Line 11: Give an organisation or a reviewer&#x27;s email address.",
    ):
        assert expected in page, expected
    assert not Assignment.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("", "a.csv", "The file you chose is empty"),
        ("use_case,version\nx,1\n", "a.csv", "The header row must name the columns"),
        ("use_case,version,organisation\n", "a.csv", "Line 2: The file has a header row but no assignments"),
        (b"use_case,version,organisation\n\xff\xfe,1,x\n", "a.csv", "Line 2: This line is not UTF-8 text"),
        ('use_case,version,organisation\n"a,1,x\n', "a.csv", "not valid CSV"),
        ("use_case,version,organisation\n", "a.xlsx", "The file must be a CSV file"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(client, admin, world, content, name, message):
    page = upload(client, world, content, name).content.decode()
    assert "govuk-error-summary" in page and message in page
    assert not Assignment.objects.exists()


def test_no_file_chosen_says_so(client, admin, world):
    page = client.post(world.url("assign_upload"), {}).content.decode()
    assert "Choose a CSV file to upload" in page and 'href="#id_file"' in page


def test_a_confirmation_is_checked_again(client, admin, world):
    page = upload(client, world, good_file(world)).content.decode()
    content = page.split('name="content" value="')[1].split('"')[0]
    make_assignment(review_round=world.round, version=world.housing, organisation=world.crisis)  # meanwhile
    make_version()
    response = client.post(world.url("assign_upload_confirm"), {"content": "not base64!"})
    assert response.status_code == 400 and "Reload the page" in response.content.decode()
    # The pair given meanwhile is now left alone; the other two are added.
    response = client.post(world.url("assign_upload_confirm"), {"content": content})
    assert response.status_code == 302 and Assignment.objects.count() == 3


# --- Due dates in bulk, and single adds -------------------------------------------------------


def test_due_dates_change_for_the_round_or_one_organisation(client, admin, world):
    make_assignment(review_round=world.round, version=world.housing, organisation=world.crisis, due_on=SOON)
    make_assignment(review_round=world.round, version=world.housing, organisation=world.nacro, due_on=SOON)
    make_assignment(review_round=world.round, version=world.treatment, reviewer=world.person, due_on=SOON)
    later = SOON + datetime.timedelta(days=5)
    client.post(world.url("assign_due_dates"), {"organisation": world.crisis.pk, **date_fields("due_on", later)})
    dates = dict(Assignment.objects.values_list("organisation_id", "due_on"))
    assert dates[world.crisis.pk] == later and dates[world.nacro.pk] == SOON
    assert Assignment.objects.get(reviewer=world.person).due_on == later  # a member, in person
    client.post(world.url("assign_due_dates"), {"organisation": "", **date_fields("due_on", CLOSES)})
    assert set(Assignment.objects.values_list("due_on", flat=True)) == {CLOSES}
    assert AuditEvent.objects.filter(action="assignments_due_changed_in_bulk").count() == 2


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"organisation": "999999", **date_fields("due_on", SOON)}, "organisation", "Choose an organisation from"),
        ({"organisation": ""}, "due_on", "Enter the new due date"),
        (date_fields("due_on", timezone.localdate() - datetime.timedelta(days=1)), "due_on", "today or in the future"),
    ],
)
def test_bad_input_when_changing_due_dates_in_bulk(client, admin, world, data, field, message):
    make_assignment(review_round=world.round, version=world.housing, organisation=world.crisis, due_on=SOON)
    page = client.post(world.url("assign_due_dates"), data).content.decode()
    assert "govuk-error-summary" in page and message in page and f'href="#id_{field}' in page
    assert Assignment.objects.get().due_on == SOON and not AuditEvent.objects.exists()


def test_a_single_add_prefills_the_rounds_due_date_and_offers_only_the_others(client, admin, world):
    make_assignment(review_round=world.round, version=world.housing, organisation=world.crisis, due_on=SOON)
    make_assignment(review_round=world.round, version=world.treatment, organisation=world.crisis, due_on=SOON)
    page = client.get(reverse("rounds:version_assignments", args=["spring", world.housing.pk])).content.decode()
    select = page.split('name="organisation"')[1].split("</select>")[0]
    assert "Nacro" in select and "Crisis" not in select
    assert f'value="{SOON.day}"' in page and f'value="{CLOSES.day}"' not in page.replace(f'value="{SOON.day}"', "")


# --- What the audit trail shows of a bulk action ------------------------------------------------


def audit_row_page(client, action) -> str:
    """The audit trail's page of the one row of this action, as the programme admin sees it."""
    event = AuditEvent.objects.get(action=action)
    return client.get(reverse("manage_audit_event", args=[event.pk])).content.decode()


def test_the_audit_trail_lists_what_a_save_of_the_grid_gave_and_took_away(client, admin, world):
    make_assignment(review_round=world.round, version=world.treatment, organisation=world.nacro, due_on=CLOSES)
    client.post(world.url("assign_grid"), grid_data(world, [(world.housing, world.crisis)]))

    page = audit_row_page(client, "assignments_changed_in_bulk")

    assert f"Housing after prison ({world.housing.pk})</td>" in page
    assert f"Crisis ({world.crisis.pk})</td>" in page and "Given</td>" in page
    assert f"Treatment and housing ({world.treatment.pk})</td>" in page
    assert f"Nacro ({world.nacro.pk})</td>" in page and "Taken away</td>" in page


def test_the_audit_trail_lists_the_assignments_a_file_added(client, admin, world):
    page = upload(client, world, good_file(world)).content.decode()
    content = page.split('name="content" value="')[1].split('"')[0]
    client.post(world.url("assign_upload_confirm"), {"content": content})

    page = audit_row_page(client, "assignments_uploaded")

    assert page.count(f"Housing after prison ({world.housing.pk})</td>") == 2
    assert f"Crisis ({world.crisis.pk})</td>" in page and f"Nacro ({world.nacro.pk})</td>" in page
    assert f"Treatment and housing ({world.treatment.pk})</td>" in page
    assert f"({world.person.pk})</td>" in page  # the reviewer given one in person


def test_the_audit_trail_lists_the_assignments_whose_due_date_changed_in_bulk(client, admin, world):
    make_assignment(review_round=world.round, version=world.housing, organisation=world.crisis, due_on=SOON)
    make_assignment(review_round=world.round, version=world.treatment, organisation=world.nacro, due_on=CLOSES)
    client.post(world.url("assign_due_dates"), {"organisation": "", **date_fields("due_on", CLOSES)})

    page = audit_row_page(client, "assignments_due_changed_in_bulk")

    assert f"Housing after prison ({world.housing.pk})</td>" in page and f"Crisis ({world.crisis.pk})</td>" in page
    assert "Treatment and housing" not in page  # already due then: not changed
