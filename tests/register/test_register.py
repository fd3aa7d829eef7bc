"""The public register (docs/register.md): publishing after a preview, the page in the shape of the
first tier of the Algorithmic Transparency Recording Standard, naming organisations only with their
lead's agreement (at the next publish), withdrawing (410 Gone and the feed), bad input, and that
nothing unpublished is ever reachable by an anonymous visitor."""

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from audiences.models import Organisation
from bold_portal.models import AuditEvent
from register.models import NameConsent, RegisterChange, RegisterEntry
from register.services import register_entry_publish, register_entry_withdraw, register_name_consent_set
from reviews.models import Decision
from reviews.services.decisions import decision_record
from tests.factories import make_round, make_version
from tests.register.support import RegisterWorld
from tests.urlconf import url_routes
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world():
    return RegisterWorld()


def _page(client, name, *args):
    response = client.get(reverse(name, args=args))
    return response, response.content.decode()


def test_an_admin_previews_then_publishes_and_anyone_reads_the_page(world, client):
    client.force_login(world.admin)
    manage = client.get(reverse("register:manage")).content.decode()
    assert "Housing after prison" in manage and "Stopped use case" not in manage
    preview_url = reverse("register:preview", args=[world.decision.pk])
    preview = client.get(preview_url).content.decode()
    assert "It is not published yet" in preview and "Find out which help keeps prison leavers housed." in preview
    assert not RegisterEntry.objects.exists()
    response = client.post(preview_url)
    assert response.status_code == 302
    client.logout()

    response, page = _page(client, "register:entry", world.version.use_case.slug)
    assert response.status_code == 200
    for heading in (
        "What it is for",
        "What data, from whom, to whom",
        "Who is affected",
        "How it was reviewed",
        "What BOLD will and will not do",
        "What changed because of review",
    ):
        assert heading in page
    assert "The BOLD programme's decision: Go ahead with conditions." in page
    assert "Say who receives the data." in page and "✗ Not met yet" in page
    # Ticks and crosses with words, never colour alone.
    assert "Meets" in page and "Does not meet" in page
    assert "2 organisations that speak for the people concerned reviewed it" in page
    assert (
        "Compared with version 1, these parts were rewritten:" in page and "We now say who receives the data." in page
    )
    # No individual verdict, reviewer or organisation without agreement; nor who decided.
    for private in (
        "Secret reason from Crisis",
        "Ada Reviewer",
        "Ben Reviewer",
        "Crisis",
        "Nacro",
        "Priya Decider",
        world.crisis_reviewer.email,
    ):
        assert private not in page, private
    listing = _page(client, "register:list")[1]
    assert "Housing after prison" in listing and "Support after release" not in listing
    event = AuditEvent.objects.get(action="register_entry_published")
    assert event.after["decision"] == world.decision.pk


def test_only_a_decision_to_go_ahead_after_a_closed_round_can_be_published(world, client):
    with pytest.raises(ValidationError, match="decided to go ahead"):
        register_entry_publish(decision=world.stop_decision, actor=world.admin)
    client.force_login(world.admin)
    assert client.get(reverse("register:preview", args=[world.stop_decision.pk])).status_code == 404
    assert client.post(reverse("register:preview", args=[world.stop_decision.pk])).status_code == 404
    assert not RegisterEntry.objects.exists() and not AuditEvent.objects.filter(action__startswith="register_").exists()


def test_an_organisation_is_named_only_once_its_lead_agreed_and_the_entry_is_published_again(world, client):
    register_entry_publish(decision=world.decision, actor=world.admin)
    client.force_login(world.crisis_lead)
    consent_url = reverse("register:name_consent", args=[world.crisis.slug])
    bad = client.post(consent_url, {"agreed": "perhaps"})
    assert bad.status_code == 400 and "Choose whether the register may name your organisation" in bad.content.decode()
    assert not NameConsent.objects.exists()
    assert client.post(consent_url, {"agreed": "yes"}).status_code == 302
    assert AuditEvent.objects.filter(action="register_name_agreed", object_id=str(world.crisis.pk)).exists()
    client.logout()
    entry_url = reverse("register:entry", args=[world.version.use_case.slug])
    assert "Crisis" not in client.get(entry_url).content.decode()  # not until the next publish
    register_entry_publish(decision=world.decision, actor=world.admin)
    page = client.get(entry_url).content.decode()
    assert "Organisations that agreed to be named: Crisis." in page and "Nacro" not in page
    register_name_consent_set(organisation=world.crisis, agreed=False, actor=world.crisis_lead)
    assert AuditEvent.objects.filter(action="register_name_withdrawn").count() == 1
    assert "Crisis" in client.get(entry_url).content.decode()  # the published snapshot stands
    register_entry_publish(decision=world.decision, actor=world.admin)
    assert "Crisis" not in client.get(entry_url).content.decode()
    assert list(RegisterChange.objects.order_by("pk").values_list("kind", flat=True)) == [
        "published",
        "updated",
        "updated",
    ]


def test_only_a_lead_decides_whether_the_organisation_is_named(world, client):
    with pytest.raises(ValidationError, match="Only a lead"):
        register_name_consent_set(organisation=world.crisis, agreed=True, actor=world.crisis_reviewer)
    client.force_login(world.admin)
    page = client.get(reverse("register:name_consent", args=[world.crisis.slug])).content.decode()
    assert "Only a lead of the organisation can change this." in page
    client.post(reverse("register:name_consent", args=[world.crisis.slug]), {"agreed": "yes"})
    client.force_login(world.nacro_reviewer)
    assert client.get(reverse("register:name_consent", args=[world.crisis.slug])).status_code == 404
    assert not NameConsent.objects.exists()


def test_withdrawing_answers_410_with_the_reason_and_the_feed_says_so(world, client):
    entry = register_entry_publish(decision=world.decision, actor=world.admin)
    client.force_login(world.admin)
    withdraw_url = reverse("register:withdraw", args=[world.version.use_case.slug])
    for data, message in (
        ({}, "Enter why the use case is withdrawn"),
        ({"reason": "x" * 501}, "500 characters or fewer"),
    ):
        response = client.post(withdraw_url, data)
        assert response.status_code == 400 and message in response.content.decode()
        assert "<title>Error: " in response.content.decode()
    entry.refresh_from_db()
    assert entry.is_published
    assert client.post(withdraw_url, {"reason": "The pilot has ended."}).status_code == 302
    client.logout()
    response, page = _page(client, "register:entry", world.version.use_case.slug)
    assert response.status_code == 410
    assert "The pilot has ended." in page and "Find out which help" not in page and "Say who receives" not in page
    assert "Housing after prison" not in _page(client, "register:list")[1]
    feed = ET.fromstring(client.get(reverse("register:feed")).content)
    titles = [item.find(f"{ATOM}title").text for item in feed.findall(f"{ATOM}entry")]
    assert titles == ["Withdrawn: Housing after prison", "Published: Housing after prison"]
    assert AuditEvent.objects.get(action="register_entry_withdrawn").after["reason"] == "The pilot has ended."
    with pytest.raises(ValidationError, match="already been withdrawn"):
        register_entry_withdraw(entry=entry, reason="Again.", actor=world.admin)
    # Published again: back, and the feed says published.
    register_entry_publish(decision=world.decision, actor=world.admin)
    assert client.get(reverse("register:entry", args=[world.version.use_case.slug])).status_code == 200


def test_the_database_refuses_a_withdrawn_entry_without_a_reason(world):
    entry = register_entry_publish(decision=world.decision, actor=world.admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.filter(pk=entry.pk).update(status="withdrawn")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.create(
            use_case=world.version.use_case,
            decision=world.decision,
            snapshot={},
            first_published_at=entry.published_at,
            published_at=entry.published_at,
        )


def test_an_older_decision_cannot_replace_a_later_one(world, client):
    revised = make_version(use_case=world.version.use_case, number=3, title="Housing after prison, revised")
    autumn = make_round(principles=[world.relevant, world.clear], versions=[revised], status="closed")
    later = decision_record(review_round=autumn, version=revised, outcome="go_ahead", reasons="Met.", actor=world.admin)
    entry = register_entry_publish(decision=later, actor=world.admin)
    with pytest.raises(ValidationError, match="later decision on this use case is already on the register"):
        register_entry_publish(decision=world.decision, actor=world.admin)
    client.force_login(world.admin)
    response = client.post(reverse("register:preview", args=[world.decision.pk]))
    page = response.content.decode()
    assert response.status_code == 400 and "<title>Error: " in page and "govuk-error-summary" in page
    assert "A later decision on this use case is already on the register" in page
    entry.refresh_from_db()
    assert entry.decision == later and entry.snapshot["version"] == 3
    assert RegisterChange.objects.count() == 1


def _walk_register_as_anonymous(client):
    """Every register URL, with every use case, decision and organisation there is."""
    values = {
        "use_case_slug": UseCase.objects.values_list("slug", flat=True),
        "decision_id": Decision.objects.values_list("pk", flat=True),
        "slug": Organisation.objects.values_list("slug", flat=True),
    }
    answers = {}
    for route in url_routes():
        if not (route.name or "").startswith("register:"):
            continue
        assert len(route.kwargs) <= 1, route.name
        urls = (
            [reverse(route.name, kwargs={route.kwargs[0]: value}) for value in values[route.kwargs[0]]]
            if route.kwargs
            else [reverse(route.name)]
        )
        for url in urls:
            answers[url] = client.get(url)
    return answers


def test_nothing_unpublished_is_reachable_by_walking_every_register_url(world, client):
    register_entry_publish(decision=world.plain_decision, actor=world.admin)
    withdrawn = register_entry_publish(decision=world.decision, actor=world.admin)
    register_entry_withdraw(entry=withdrawn, reason="Paused while the pilot changes.", actor=world.admin)
    unpublished_text = [
        "Find out which help keeps prison leavers housed.",  # withdrawn entry's content
        "Say who receives the data.",
        "Stopped use case",  # decided to stop: never published
        "Not relevant.",
        "Secret reason from Crisis",
        "Ada Reviewer",
        "Priya Decider",
    ]
    answers = _walk_register_as_anonymous(client)
    assert len(answers) >= 10
    for url, response in answers.items():
        body = response.content.decode()
        for text in unpublished_text:
            assert text not in body, (url, text)
        if url.startswith("/register/"):
            assert response.status_code in (200, 404, 410), url
        else:
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    statuses = {url: response.status_code for url, response in answers.items() if url.startswith("/register/")}
    assert statuses[reverse("register:entry", args=[world.plain.use_case.slug])] == 200
    assert statuses[reverse("register:entry", args=[world.version.use_case.slug])] == 410
    assert statuses[reverse("register:entry", args=[world.stopped.use_case.slug])] == 404


def test_the_register_list_reads_in_a_fixed_number_of_queries(world, client, django_assert_num_queries):
    register_entry_publish(decision=world.plain_decision, actor=world.admin)
    register_entry_publish(decision=world.decision, actor=world.admin)
    client.get(reverse("register:list"))  # warm the session and the navigation
    with django_assert_num_queries(1):
        client.get(reverse("register:list"))


def test_the_feed_lists_the_last_fifty_changes_and_the_list_links_to_it(world, client):
    entry = register_entry_publish(decision=world.plain_decision, actor=world.admin)
    RegisterChange.objects.bulk_create(
        [
            RegisterChange(
                entry=entry, kind="updated", title=f"Support {n}", sentence="Updated.", at=entry.published_at
            )
            for n in range(60)
        ]
    )
    feed = ET.fromstring(client.get(reverse("register:feed")).content)
    assert len(feed.findall(f"{ATOM}entry")) == 50
    assert reverse("register:feed") in client.get(reverse("register:list")).content.decode()


def test_the_admin_home_links_to_the_register(world, client):
    client.force_login(world.admin)
    assert reverse("register:manage") in client.get(reverse("manage_home")).content.decode()
