"""What publishing takes away (docs/authors.md, "Data parties"): the publish page lists, before the
author confirms, the assignments that a linked organisation's interest will take away. usecases
holds the registry (usecases.consequences); reviews registers the provider in its AppConfig.ready."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Assignment, DeclaredInterest
from reviews.services import party_interests
from tests.factories import (
    make_assignment,
    make_organisation,
    make_reviewer,
    make_round,
    make_version,
)
from tests.usecases.support import WRITTEN
from usecases import consequences
from usecases.consequences import PublishConsequence, publish_consequences, register_publish_consequences
from usecases.models import DataParty
from usecases.services import use_case_draft_publish, use_case_draft_save, use_case_draft_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("written_parties")]


@pytest.fixture
def nacro(audience):
    organisation = make_organisation(name="Nacro", audiences=[audience])
    DataParty.objects.create(name="Nacro housing service", kind="charity", organisation=organisation)
    return organisation


@pytest.fixture
def draft_naming_nacro(author, audience, nacro):
    """A written draft of version 2 whose flows send data to Nacro's party; version 1 is in an open round."""
    version = make_version(audience=audience)
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    flows = [*WRITTEN["data_flows"], {**WRITTEN["data_flows"][0], "to": "Nacro housing service"}]
    draft = use_case_draft_save(draft=draft, revision=1, changes={**WRITTEN, "data_flows": flows}, actor=author)
    return draft, version


@pytest.fixture
def fake_provider():
    """A provider registered as another app would, taken off again after the test."""
    listed = [PublishConsequence(key="thing:1", organisation="Org", round="Spring", version="V", given_to="Someone")]

    def provider(draft):
        return list(listed)

    register_publish_consequences(provider)
    register_publish_consequences(provider)  # a second ready() lists nothing twice
    yield listed
    consequences._providers.remove(provider)


def test_reviews_registers_its_provider_when_the_app_is_ready():
    assert party_interests.assignments_taken_away in consequences._providers


def test_a_registered_provider_is_listed_on_the_publish_page_once(client, author, audience, fake_provider):
    version = make_version(audience=audience)
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    client.force_login(author)

    page = client.get(reverse("usecases:draft_publish", args=[draft.use_case.slug]))

    assert publish_consequences(draft) == fake_provider
    assert page.text.count("Someone") == 1 and 'name="expected" value="thing:1"' in page.text


def test_publishing_is_refused_when_what_it_takes_away_changed_since_the_page(author, audience, fake_provider):
    version = make_version(audience=audience)
    draft = use_case_draft_start(use_case=version.use_case, actor=author)
    draft = use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author)
    fake_provider.append(PublishConsequence("thing:2", "Org", "Spring", "V", "Someone else"))

    with pytest.raises(ValidationError, match="What publishing takes away has changed"):
        use_case_draft_publish(
            draft=draft, revision=2, change_summary="", expected_consequences=["thing:1"], actor=author
        )
    assert version.use_case.versions.count() == 1

    use_case_draft_publish(
        draft=draft, revision=2, change_summary="", expected_consequences=["thing:2", "thing:1"], actor=author
    )
    assert version.use_case.versions.count() == 2


def test_the_publish_page_lists_the_assignments_a_linked_party_takes_away(client, author, draft_naming_nacro, nacro):
    draft, version = draft_naming_nacro
    review_round = make_round(versions=[version], name="Spring review")
    make_assignment(review_round=review_round, version=version, organisation=nacro)
    person = make_reviewer(organisation=nacro, full_name="Sam Reviewer")
    make_assignment(review_round=review_round, version=version, reviewer=person)
    # Closed rounds keep their assignments: not listed.
    make_assignment(review_round=make_round(versions=[version], status="closed"), version=version, organisation=nacro)
    client.force_login(author)

    page = client.get(reverse("usecases:draft_publish", args=[draft.use_case.slug]))

    assert "Publishing takes away 2 assignments" in page.text
    assert "Nacro (the organisation)" in page.text and "Sam Reviewer (in person)" in page.text
    assert page.text.count("Spring review") == 2


def test_a_linked_party_with_nothing_to_take_away_says_so(client, author, draft_naming_nacro):
    draft, _version = draft_naming_nacro
    client.force_login(author)

    page = client.get(reverse("usecases:draft_publish", args=[draft.use_case.slug]))

    assert "Publishing takes no assignment away" in page.text


def test_an_organisation_with_a_standing_declaration_lists_nothing(author, draft_naming_nacro, nacro):
    draft, version = draft_naming_nacro
    make_assignment(review_round=make_round(versions=[version]), version=version, organisation=nacro)
    DeclaredInterest.objects.create(organisation=nacro, use_case=version.use_case, reason="A contract")

    assert publish_consequences(draft) == []


def test_an_assignment_given_after_the_page_opened_stops_the_publishing(client, author, draft_naming_nacro, nacro):
    draft, version = draft_naming_nacro
    client.force_login(author)
    url = reverse("usecases:draft_publish", args=[draft.use_case.slug])
    client.get(url)
    assignment = make_assignment(review_round=make_round(versions=[version]), version=version, organisation=nacro)

    refused = client.post(url, {"revision": draft.revision, "expected": "", "change_summary": "Names Nacro"})

    assert refused.status_code == 409 and "<title>Error:" in refused.text
    assert "What publishing takes away has changed since you opened this page" in refused.text
    assert f'name="expected" value="assignment:{assignment.pk}"' in refused.text, "the page asks about the list now"
    assert version.use_case.versions.count() == 1 and Assignment.objects.filter(pk=assignment.pk).exists()

    confirmed = client.post(
        url, {"revision": draft.revision, "expected": f"assignment:{assignment.pk}", "change_summary": "Names Nacro"}
    )

    assert confirmed.status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert DeclaredInterest.objects.get().organisation == nacro


def test_the_publish_page_makes_as_many_queries_for_many_assignments_as_for_one(
    client, author, draft_naming_nacro, nacro
):
    draft, version = draft_naming_nacro
    url = reverse("usecases:draft_publish", args=[draft.use_case.slug])
    client.force_login(author)
    make_assignment(review_round=make_round(versions=[version]), version=version, organisation=nacro)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        person = make_reviewer(organisation=nacro)
        make_assignment(review_round=make_round(versions=[version]), version=version, reviewer=person)

    with CaptureQueriesContext(connection) as five:
        page = client.get(url)

    assert "Publishing takes away 5 assignments" in page.text
    assert len(five) == len(one)
