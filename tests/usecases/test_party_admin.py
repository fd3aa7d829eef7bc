"""The programme admins' pages for data parties (docs/authors.md, "Data parties"): rename, change
kind, link or unlink an organisation, merge two parties. Each change is a service with an audit row;
drafts follow a new name or a merge, published versions keep their names; bad input says what and
changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bold_portal.models import AuditEvent
from reviews.models import DeclaredInterest
from reviews.services.interests import interest_withdraw
from tests.factories import make_analyst, make_author, make_organisation, make_version
from tests.usecases.support import WRITTEN
from usecases.models import DataParty, UseCaseDraft
from usecases.services import (
    data_party_change,
    data_party_merge,
    use_case_draft_publish,
    use_case_draft_save,
    use_case_draft_start,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("written_parties")]


@pytest.fixture
def ons():
    return DataParty.objects.get(name="ONS")


@pytest.fixture
def published_and_drafted(author, audience):
    """Version 2 published naming ONS, and a draft of version 3 naming it too."""
    version = make_version(audience=audience)
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    draft = use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author)
    published = use_case_draft_publish(draft=draft, revision=2, change_summary="", actor=author)
    return published, use_case_draft_start(use_case=version.use_case, actor=author)


def test_the_list_shows_each_party_with_its_kind_and_organisation(client, admin):
    nacro = make_organisation(name="Nacro")
    DataParty.objects.create(name="Nacro housing service", kind="charity", organisation=nacro)

    page = client.get(reverse("parties:list")).text

    assert "Nacro housing service" in page and "Charity" in page and "Nacro" in page
    assert "HM Prison and Probation Service" in page and "Public body" in page and "Not linked" in page
    assert reverse("parties:edit", args=[DataParty.objects.get(name="ONS").pk]) in page


def test_the_list_is_paged_in_a_fixed_number_of_queries(client, admin, django_assert_num_queries):
    for n in range(30):
        DataParty.objects.create(name=f"Party {n}", kind="charity", organisation=make_organisation() if n % 2 else None)
    client.get(reverse("parties:list"))

    with django_assert_num_queries(7):
        page = client.get(reverse("parties:list")).text
    assert "Showing 1 to 25 of 32" in page


def test_the_admin_home_links_to_the_parties(client, admin):
    assert reverse("parties:list") in client.get(reverse("manage_home")).text


@pytest.mark.parametrize("make_person", [make_analyst, make_author])
def test_nobody_but_admins_may_open_the_party_pages(client, ons, make_person):
    client.force_login(make_person())

    for url in (
        reverse("parties:list"),
        reverse("parties:edit", args=[ons.pk]),
        reverse("parties:merge", args=[ons.pk]),
    ):
        assert client.get(url).status_code == 404


def test_renaming_moves_drafts_and_leaves_published_versions(client, admin, ons, published_and_drafted):
    published, draft = published_and_drafted

    page = client.get(reverse("parties:edit", args=[ons.pk])).text
    response = client.post(
        reverse("parties:edit", args=[ons.pk]), {"name": "Office for National Statistics", "kind": "public_body"}
    )

    assert "1 draft names it" in page
    assert response.status_code == 302 and response["Location"] == reverse("parties:list")
    ons.refresh_from_db()
    draft.refresh_from_db()
    published.refresh_from_db()
    assert ons.name == "Office for National Statistics"
    assert draft.data_flows[0]["to"] == "Office for National Statistics" and draft.revision == 2
    assert published.data_flows[0]["to"] == "ONS", "a published version keeps its frozen name"
    event = AuditEvent.objects.get(action="data_party_changed")
    assert (event.before["name"], event.after["name"]) == ("ONS", "Office for National Statistics")
    assert event.data["drafts"] == [draft.use_case.slug]


def test_a_page_opened_before_a_rename_is_refused_and_keeps_its_text(author, ons, published_and_drafted):
    _published, draft = published_and_drafted
    data_party_change(
        party=ons, name="Office for National Statistics", kind="public_body", organisation=None, actor=None
    )

    with pytest.raises(ValidationError, match="Someone saved this draft after you opened it"):
        use_case_draft_save(draft=draft, revision=1, changes={"title": "Mine"}, actor=author)


def test_saving_nothing_new_writes_no_audit_row(ons):
    data_party_change(party=ons, name="ONS ", kind="public_body", organisation=None, actor=None)

    assert not AuditEvent.objects.filter(action="data_party_changed").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "kind": "public_body"}, "Enter the data party&#x27;s name"),
        ({"name": "ONS", "kind": "ministry"}, "Choose public body, service provider, charity or other"),
        ({"name": "x" * 501, "kind": "public_body"}, "Name must be 500 characters or fewer"),
        (
            {"name": "HM Prison and Probation Service", "kind": "public_body"},
            "Data party with this Name already exists",
        ),
        ({"name": "ONS", "kind": "public_body", "organisation": "ORG"}, "A public body is not an organisation"),
        ({"name": "ONS", "kind": "charity", "organisation": "TAKEN"}, "Choose an organisation from the list"),
        ({"name": "ONS", "kind": "charity", "organisation": "999999"}, "Choose an organisation from the list"),
    ],
)
def test_bad_input_on_changing_a_party_says_what_and_changes_nothing(client, admin, ons, data, message):
    if data.get("organisation") == "ORG":
        data = {**data, "organisation": make_organisation().pk}
    if data.get("organisation") == "TAKEN":
        taken = make_organisation()
        DataParty.objects.create(name="Taken", kind="charity", organisation=taken)
        data = {**data, "organisation": taken.pk}

    response = client.post(reverse("parties:edit", args=[ons.pk]), data)

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert message in response.text and "govuk-error-summary" in response.text
    ons.refresh_from_db()
    assert (ons.name, ons.kind, ons.organisation) == ("ONS", "public_body", None)
    assert not AuditEvent.objects.filter(action="data_party_changed").exists()


def test_linking_counts_from_the_next_published_version(client, admin, author, audience, published_and_drafted):
    _published, draft = published_and_drafted
    nacro = make_organisation(name="Nacro", audiences=[audience])
    party = DataParty.objects.create(name="Nacro housing service", kind="charity")
    flows = [{**WRITTEN["data_flows"][0], "from": "Nacro housing service"}]
    draft = use_case_draft_save(draft=draft, revision=1, changes={"data_flows": flows}, actor=author)

    client.post(
        reverse("parties:edit", args=[party.pk]), {"name": party.name, "kind": "charity", "organisation": nacro.pk}
    )

    party.refresh_from_db()
    assert party.organisation == nacro and not DeclaredInterest.objects.exists()
    use_case_draft_publish(draft=draft, revision=2, change_summary="Names Nacro", actor=author)
    assert DeclaredInterest.objects.get().organisation == nacro


def test_unlinking_leaves_the_declared_interest_standing_until_withdrawn(client, admin, author, audience):
    nacro = make_organisation(name="Nacro", audiences=[audience])
    party = DataParty.objects.create(name="Nacro housing service", kind="charity", organisation=nacro)
    version = make_version(audience=audience)
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    flows = [{**WRITTEN["data_flows"][0], "from": "Nacro housing service"}]
    draft = use_case_draft_save(draft=draft, revision=1, changes={**WRITTEN, "data_flows": flows}, actor=author)
    use_case_draft_publish(draft=draft, revision=2, change_summary="", actor=author)

    client.post(reverse("parties:edit", args=[party.pk]), {"name": party.name, "kind": "charity", "organisation": ""})

    party.refresh_from_db()
    assert party.organisation is None
    interest = DeclaredInterest.objects.standing().get()
    assert interest.organisation == nacro
    interest_withdraw(interest=interest, actor=admin, reason="No longer a data party")
    assert not DeclaredInterest.objects.standing().exists()


def test_merging_asks_to_confirm_then_moves_drafts_and_removes_the_party(client, admin, ons, published_and_drafted):
    published, draft = published_and_drafted
    kept = DataParty.objects.create(name="Office for National Statistics", kind="public_body")
    url = reverse("parties:merge", args=[ons.pk])

    check = client.post(url, {"into": kept.pk})

    assert check.status_code == 200 and "Check the merge" in check.text and "1 draft names it" in check.text
    assert DataParty.objects.filter(pk=ons.pk).exists(), "nothing merged before the confirmation"

    done = client.post(url, {"into": kept.pk, "confirmed": "on"})

    assert done.status_code == 302 and not DataParty.objects.filter(pk=ons.pk).exists()
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.data_flows[0]["to"] == "Office for National Statistics" and draft.revision == 2
    assert published.data_flows[0]["to"] == "ONS"
    event = AuditEvent.objects.get(action="data_party_merged")
    assert (event.data["merged"], event.data["kept"], event.object_id) == ("ONS", kept.name, str(kept.pk))


@pytest.mark.parametrize(
    ("into", "message"),
    [("", "Choose the party to keep"), ("999999", "Choose the party to keep from the list"), ("SELF", "from the list")],
)
def test_bad_input_on_merging_says_what_and_merges_nothing(client, admin, ons, into, message):
    into = str(ons.pk) if into == "SELF" else into

    response = client.post(reverse("parties:merge", args=[ons.pk]), {"into": into, "confirmed": "on"})

    assert response.status_code == 200 and "<title>Error:" in response.text and message in response.text
    assert DataParty.objects.count() == 2 and not AuditEvent.objects.filter(action="data_party_merged").exists()


def test_a_party_linked_to_an_organisation_is_not_merged_away(client, admin, ons):
    linked = DataParty.objects.create(name="Nacro", kind="charity", organisation=make_organisation(name="Nacro"))

    response = client.post(reverse("parties:merge", args=[linked.pk]), {"into": ons.pk, "confirmed": "on"})

    assert "<title>Error:" in response.text and "unlink it first" in response.text
    assert DataParty.objects.filter(pk=linked.pk).exists()


def test_a_party_cannot_be_merged_into_itself(ons):
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        data_party_merge(party=ons, into=ons, actor=None)


def test_merging_a_party_merged_meanwhile_is_refused(ons):
    kept = DataParty.objects.get(name="HM Prison and Probation Service")
    stale = DataParty.objects.get(pk=ons.pk)
    data_party_merge(party=ons, into=kept, actor=None)

    with pytest.raises(ValidationError, match="merged or removed since you opened the page"):
        data_party_merge(party=stale, into=kept, actor=None)
    assert UseCaseDraft.objects.count() == 0
