"""The emails when a round opens (each person's assignments) and when it closes (links to the
results), sent through the shared email module once the change commits."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership
from reviews.models import Review, ReviewRound
from reviews.services.rounds import round_close, round_open
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    """A draft round with two versions: housing given to Ann in person (due 1 May) and to Crisis
    (Ann and Bea; Cal's account is switched off), treatment given to Crisis. Nacro's Dee has none."""
    settings.PORTAL_URL = "https://bold.example.org"
    audience = make_audience(name="Homelessness")
    crisis = make_organisation(name="Crisis", audiences=[audience])
    housing = make_version(audience=audience, title="Housing after prison")
    treatment = make_version(audience=audience, title="Treatment and housing")
    review_round = make_round(
        name="Spring round", slug="spring", status=ReviewRound.Status.DRAFT, closes_on=datetime.date(2030, 6, 30)
    )
    ann = make_reviewer(organisation=crisis, email="ann@crisis.example", full_name="Ann Example")
    bea = make_reviewer(organisation=crisis, email="bea@crisis.example")
    # Crisis's lead: not expected, the organisation having reviewers, so sent nothing.
    make_reviewer(organisation=crisis, email="lee@crisis.example", role=Membership.Role.LEAD)
    make_reviewer(organisation=crisis, email="cal@crisis.example", is_active=False)
    make_reviewer(organisation=make_organisation(name="Nacro"), email="dee@nacro.example")
    make_assignment(review_round=review_round, version=housing, reviewer=ann, due_on=datetime.date(2030, 5, 1))
    make_assignment(review_round=review_round, version=housing, organisation=crisis, due_on=datetime.date(2030, 5, 20))
    make_assignment(review_round=review_round, version=treatment, organisation=crisis)
    return {"round": review_round, "ann": ann, "bea": bea, "housing": housing, "treatment": treatment}


def _by_address(mailoutbox):
    return {message.to[0]: message for message in mailoutbox}


def _open(world, capture):
    with capture(execute=True):
        return round_open(review_round=world["round"], actor=make_user(is_superuser=True))


def test_opening_a_round_emails_each_person_what_they_review(world, mailoutbox, django_capture_on_commit_callbacks):
    _open(world, django_capture_on_commit_callbacks)

    sent = _by_address(mailoutbox)
    assert set(sent) == {"ann@crisis.example", "bea@crisis.example"}
    ann = sent["ann@crisis.example"]
    assert ann.subject == "Spring round is open: BOLD use cases for you to review"
    assert "Hello Ann Example," in ann.body
    assert "There are 2 use cases for you to review" in ann.body
    # Given housing twice, Ann is told the earlier date; treatment has none, so the round's closing date.
    assert "- Housing after prison (Homelessness), due 1 May 2030" in ann.body
    assert "- Treatment and housing (Homelessness), due 30 June 2030" in ann.body
    housing_url = f"https://bold.example.org/reviews/spring/{world['housing'].use_case.slug}/v1/"
    assert housing_url in ann.body
    assert "https://bold.example.org" + reverse("reviews:my_reviews") in ann.body
    html = ann.alternatives[0][0]
    assert f'<a href="{housing_url}">Housing after prison</a>' in html
    assert "Go to My reviews" in html
    assert "due 20 May 2030" in sent["bea@crisis.example"].body


def test_opening_tells_someone_without_a_password_how_to_create_one(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    world["bea"].set_unusable_password()
    world["bea"].save()

    _open(world, django_capture_on_commit_callbacks)

    sent = _by_address(mailoutbox)
    assert "has no password yet" in sent["bea@crisis.example"].body
    assert "https://bold.example.org/password-reset/" in sent["bea@crisis.example"].body
    assert "has no password yet" not in sent["ann@crisis.example"].body


def test_a_round_that_cannot_open_emails_nobody(world, mailoutbox, django_capture_on_commit_callbacks):
    world["round"].versions.add(make_version(title="Not given to anyone"))

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        round_open(review_round=world["round"], actor=make_user(is_superuser=True))

    assert mailoutbox == []


def test_opening_from_the_admin_page_emails_after_the_response_is_decided(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(make_user(is_superuser=True))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rounds:open", args=["spring"]))

    assert response.status_code == 302
    assert len(mailoutbox) == 2


def _submit(world, person, version):
    Review.objects.create(
        round=world["round"], version=version, reviewer=person, status="submitted", submitted_at=timezone.now()
    )


def test_closing_a_round_emails_links_to_the_results_and_says_which_drafts_did_not_count(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    _open(world, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    _submit(world, world["ann"], world["housing"])
    Review.objects.create(round=world["round"], version=world["treatment"], reviewer=world["ann"], status="draft")
    # Someone no longer assigned (a colleague who left Crisis and joined Shelter) still hears about their review.
    eli = make_reviewer(organisation=make_organisation(name="Shelter"), email="eli@shelter.example")
    _submit(world, eli, world["treatment"])

    with django_capture_on_commit_callbacks(execute=True):
        round_close(review_round=world["round"], actor=make_user(is_superuser=True))

    sent = _by_address(mailoutbox)
    assert set(sent) == {"ann@crisis.example", "bea@crisis.example", "eli@shelter.example"}
    ann = sent["ann@crisis.example"]
    assert ann.subject == "Spring round has closed"
    summary = f"https://bold.example.org/reviews/spring/{world['housing'].use_case.slug}/v1/summary/"
    assert f"Housing after prison (Homelessness): you submitted a review\n  What reviewers said: {summary}" in ann.body
    assert "Treatment and housing (Homelessness): your draft was not submitted, so it does not count" in ann.body
    assert f'href="{summary}"' in ann.alternatives[0][0]
    # A blind round shares results only with those who submitted.
    bea = sent["bea@crisis.example"]
    assert "no review from you" in bea.body
    assert "/summary/" not in bea.body


def test_a_round_that_does_not_share_results_links_to_the_use_case_instead(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    ReviewRound.objects.filter(pk=world["round"].pk).update(show_aggregate_to_reviewers=False)
    _open(world, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    _submit(world, world["ann"], world["housing"])

    with django_capture_on_commit_callbacks(execute=True):
        round_close(review_round=world["round"], actor=make_user(is_superuser=True))

    ann = _by_address(mailoutbox)["ann@crisis.example"]
    assert "/summary/" not in ann.body
    assert f"https://bold.example.org/reviews/spring/{world['housing'].use_case.slug}/v1/" in ann.body


def test_the_summary_link_in_the_closing_email_opens_for_the_reviewer(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    _open(world, django_capture_on_commit_callbacks)
    _submit(world, world["ann"], world["housing"])
    with django_capture_on_commit_callbacks(execute=True):
        round_close(review_round=world["round"], actor=make_user(is_superuser=True))
    ann = _by_address(mailoutbox[2:])["ann@crisis.example"]
    link = next(word for word in ann.body.split() if word.endswith("/summary/"))

    client.force_login(world["ann"])
    assert client.get(link.removeprefix("https://bold.example.org")).status_code == 200


def test_a_round_opened_without_emails_emails_nobody(world, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review_round = round_open(review_round=world["round"], actor=make_user(is_superuser=True), email_people=False)

    assert review_round.is_open
    assert mailoutbox == []
