"""The readiness checklist where admins choose a round's versions (docs/admin-rounds.md): each
version's state in words, a confirmation before adding one that is not ready (nothing saved until
then), none for a ready one or one already in the round, and a page whose queries do not grow."""

import pytest
from django.urls import reverse

from bold_portal.models import AuditEvent
from reviews.models import ReviewRound
from tests.factories import make_audience, make_round, make_version
from tests.usecases.support import WRITTEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return make_round(status=ReviewRound.Status.DRAFT, name="Spring round", slug="spring")


@pytest.fixture
def audience():
    return make_audience(name="Reducing Reoffending", slug="reducing-reoffending")


def ready(audience):
    return make_version(audience=audience, **{**WRITTEN, "title": "Housing after release"})


def not_ready(audience):
    return make_version(audience=audience, title="Short of concerns")  # no concerns, flows without purpose


def versions_url(review_round):
    return reverse("rounds:versions", args=[review_round.slug])


def test_the_chooser_says_which_versions_are_ready(client, admin, draft, audience):
    ready(audience)
    not_ready(audience)

    page = client.get(versions_url(draft)).text

    assert "Ready for review: its checklist is done." in page
    assert "Not ready:" in page and "consent, anonymity, impact on individuals and security answered" in page


def test_adding_a_version_that_is_not_ready_asks_first_and_saves_nothing(client, admin, draft, audience):
    version = not_ready(audience)
    data = {"shown": str(version.pk), "chosen": [version.pk]}

    response = client.post(versions_url(draft), data)

    assert response.status_code == 200
    assert "1 use case version is not ready for review" in response.text
    assert "Short of concerns" in response.text and 'name="add_not_ready"' in response.text
    assert not draft.versions.exists() and not AuditEvent.objects.exists()

    response = client.post(versions_url(draft), {**data, "add_not_ready": "yes"})

    assert response.status_code == 302 and list(draft.versions.all()) == [version]


def test_a_ready_version_or_one_already_in_the_round_is_added_without_asking(client, admin, draft, audience):
    good, short = ready(audience), not_ready(audience)
    draft.versions.add(short)

    response = client.post(versions_url(draft), {"shown": f"{good.pk},{short.pk}", "chosen": [good.pk, short.pk]})

    assert response.status_code == 302
    assert set(draft.versions.all()) == {good, short}


def test_bad_input_on_the_confirmation_is_refused_as_on_the_chooser(client, admin, draft, audience):
    version = not_ready(audience)

    response = client.post(
        versions_url(draft), {"shown": "not,numbers", "chosen": [version.pk], "add_not_ready": "yes"}
    )

    assert "Reload the page and try again" in response.text
    assert not draft.versions.exists()


def test_the_choosers_queries_do_not_grow_with_the_versions_on_the_page(
    client, admin, draft, audience, django_assert_num_queries
):
    ready(audience)
    client.get(versions_url(draft))
    with django_assert_num_queries(13):
        client.get(versions_url(draft))
    for _ in range(10):
        not_ready(make_audience())
    with django_assert_num_queries(13):
        client.get(versions_url(draft))


def add_matching_url(review_round):
    return reverse("rounds:versions_add_matching", args=[review_round.slug])


def test_adding_all_matching_versions_warns_of_those_not_ready_and_saves_nothing_until_confirmed(
    client, admin, draft, audience
):
    good, short = ready(audience), not_ready(audience)
    other = not_ready(audience)
    filters = {"audience": audience.slug, "search": ""}

    response = client.post(add_matching_url(draft), filters)

    assert response.status_code == 200
    assert "2 use case versions are not ready for review" in response.text
    assert "2 of the 3 use case versions matching the filter and not yet in the round are not ready." in response.text
    assert response.text.count("Short of concerns") == 2 and "Housing after release" not in response.text
    assert 'name="add_not_ready"' in response.text and f'value="{audience.slug}"' in response.text
    assert not draft.versions.exists() and not AuditEvent.objects.exists()

    response = client.post(add_matching_url(draft), {**filters, "add_not_ready": "yes"})

    assert response.status_code == 302
    assert set(draft.versions.all()) == {good, short, other}


def test_adding_all_matching_versions_asks_nothing_when_every_one_to_add_is_ready(client, admin, draft, audience):
    good, short = ready(audience), not_ready(audience)
    draft.versions.add(short)

    response = client.post(add_matching_url(draft), {"audience": audience.slug, "search": ""})

    assert response.status_code == 302
    assert set(draft.versions.all()) == {good, short}
