"""Data parties (docs/authors.md): "from" and "to" name parties from one list, which authors add
to; a party linked to an organisation in the portal counts as its declared interest in the use
case once a version naming it is published; a public body is never an organisation of the portal."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from bold_portal.models import AuditEvent
from reviews.models import Assignment, DeclaredInterest
from tests.database import refused
from tests.factories import make_assignment, make_organisation, make_round, make_version
from tests.usecases.support import WRITTEN
from usecases.models import DataParty
from usecases.services import data_party_add, use_case_draft_publish, use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("written_parties")]


@pytest.fixture
def written_draft(author, audience):
    version = make_version(audience=audience)
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    return use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author), version


def test_an_author_adds_a_party_and_goes_back_to_the_data_flows(client, author, written_draft):
    client.force_login(author)
    draft, _version = written_draft
    nacro = make_organisation(name="Nacro")
    url = f"{reverse('usecases:party_new')}?use_case={draft.use_case.slug}"

    response = client.post(url, {"name": "Nacro housing service", "kind": "charity", "organisation": nacro.pk})

    assert response["Location"] == reverse("usecases:draft_section", args=[draft.use_case.slug, "data-flows"])
    party = DataParty.objects.get(name="Nacro housing service")
    assert (party.kind, party.organisation, party.created_by) == ("charity", nacro, author)
    assert AuditEvent.objects.filter(action="data_party_added", object_id=str(party.pk)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "charity"}, "Enter the data party&#x27;s name"),
        ({"name": "ONS", "kind": ""}, "Choose what kind of party it is"),
        ({"name": "ONS", "kind": "ministry"}, "Choose public body, service provider, charity or other"),
        ({"name": "x" * 501, "kind": "charity"}, "Name must be 500 characters or fewer"),
        ({"name": "Taken", "kind": "charity"}, "Data party with this Name already exists"),
        ({"name": "Council", "kind": "public_body", "organisation": "ORG"}, "A public body is not an organisation"),
        ({"name": "ONS", "kind": "charity", "organisation": "999999"}, "Choose an organisation from the list"),
    ],
)
def test_bad_input_on_adding_a_party_says_what_and_adds_nothing(client, author, data, message):
    client.force_login(author)
    DataParty.objects.create(name="Taken", kind="charity")
    if data.get("organisation") == "ORG":
        data = {**data, "organisation": make_organisation(name="A charity").pk}

    response = client.post(reverse("usecases:party_new"), data)

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert message in response.text
    assert DataParty.objects.count() == 3


def test_the_database_keeps_public_bodies_out_of_the_portals_organisations():
    with refused(IntegrityError):
        DataParty.objects.create(name="Council", kind="public_body", organisation=make_organisation())


def test_publishing_refuses_names_not_in_the_list(written_draft, author):
    draft, version = written_draft
    flows = [{**WRITTEN["data_flows"][0], "to": "Somebody new"}]
    draft = use_case_draft_save(draft=draft, revision=2, changes={"data_flows": flows}, actor=author)

    with pytest.raises(ValidationError, match="Somebody new is not in the list of data parties"):
        use_case_draft_publish(draft=draft, revision=3, change_summary="", actor=author)
    assert version.use_case.versions.count() == 1


def test_a_party_linked_to_an_organisation_counts_as_its_declared_interest(client, written_draft, author, audience):
    draft, version = written_draft
    nacro = make_organisation(name="Nacro", audiences=[audience])
    DataParty.objects.create(name="Nacro housing service", kind="charity", organisation=nacro)
    assignment = make_assignment(review_round=make_round(versions=[version]), version=version, organisation=nacro)
    flows = [*WRITTEN["data_flows"], {**WRITTEN["data_flows"][0], "to": "Nacro housing service"}]
    draft = use_case_draft_save(draft=draft, revision=2, changes={"data_flows": flows}, actor=author)
    client.force_login(author)

    page = client.get(reverse("usecases:draft_publish", args=[draft.use_case.slug]))
    use_case_draft_publish(draft=draft, revision=3, change_summary="", actor=author)

    assert "Publishing counts as its declared interest in this use case" in page.text and "Nacro" in page.text
    interest = DeclaredInterest.objects.get()
    assert (interest.organisation, interest.use_case) == (nacro, version.use_case)
    assert "Named as a data party in version 2" in interest.reason
    assert not Assignment.objects.filter(pk=assignment.pk).exists(), "its assignment of the use case is taken away"
    assert AuditEvent.objects.filter(action="interest_declared").count() == 1


def test_a_standing_declaration_is_not_made_twice(written_draft, author, audience):
    draft, version = written_draft
    nacro = make_organisation(name="Nacro", audiences=[audience])
    DataParty.objects.create(name="Nacro housing service", kind="charity", organisation=nacro)
    flows = [{**WRITTEN["data_flows"][0], "from": "Nacro housing service"}]
    draft = use_case_draft_save(draft=draft, revision=2, changes={"data_flows": flows}, actor=author)
    use_case_draft_publish(draft=draft, revision=3, change_summary="", actor=author)
    again = use_case_draft_start(use_case=version.use_case, actor=author)

    use_case_draft_publish(draft=again, revision=1, change_summary="Same parties", actor=author)

    assert DeclaredInterest.objects.count() == 1


def test_a_party_added_by_someone_else_a_moment_ago_is_refused_in_words(author, monkeypatch):
    """The database's unique name stops the second of two adds racing past the form's check."""
    DataParty.objects.create(name="Nacro housing service", kind="charity")
    monkeypatch.setattr(DataParty, "validate_unique", lambda self, exclude=None: None)

    with pytest.raises(ValidationError, match="added to the list a moment ago"):
        data_party_add(name="Nacro housing service", kind="charity", organisation=None, actor=author)
    assert not AuditEvent.objects.filter(action="data_party_added").exists()
