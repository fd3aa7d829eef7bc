"""Personal review links (docs/sign-in-security.md, "Personal review links"): sending, opening,
the session's scope, the record they leave, revoking, and the rate limit."""

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services.access import account_active_set
from accounts.services.personal_data import account_erase
from audiences.models import Membership
from audiences.services.memberships import membership_remove
from bold_portal.audit_selectors import AuditFilters, audit_events
from bold_portal.models import AuditEvent, OutboxMessage
from reviews.models import ReviewLink
from reviews.services.review_links import review_link_revoke, review_link_send
from tests.factories import (
    close_round,
    make_admin,
    make_analyst,
    make_assignment,
    make_reviewer,
    make_round,
    make_version,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(world):
    return make_reviewer(organisation=world.organisation, role=Membership.Role.LEAD, email="lead@crisis.example")


def sent(world, lead, person=None):
    """Send person (the world's reviewer) a link; returns the link and its token."""
    return review_link_send(person=person or world.reviewer, review_round=world.round, actor=lead)


def link_url(token: str) -> str:
    return reverse("reviews:review_link", args=[token])


def opened(token: str, client=None) -> Client:
    client = client or Client()
    response = client.post(link_url(token))
    assert response.status_code == 302 and response["Location"] == reverse("reviews:my_reviews")
    return client


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Sending -----------------------------------------------------------------------------------


def test_the_link_is_long_random_and_stored_only_as_a_hash(world, lead):
    link, token = sent(world, lead)
    assert len(token) >= 43  # 32 random bytes
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert mail.outbox[-1].to == [world.reviewer.email] and link_url(token) in mail.outbox[-1].body
    stored = OutboxMessage.objects.get(kind="review_link")  # the outbox keeps no usable copy
    assert stored.holds_secret and token not in stored.text + stored.html
    row = AuditEvent.objects.get(action="review_link_sent")
    assert token not in str(row.data) and row.actor == lead


def test_the_link_ends_when_the_round_closes_if_that_comes_first(world, lead, settings):
    settings.REVIEW_LINK_VALID_DAYS = 14
    link, _token = sent(world, lead)
    assert link.expires_at - link.sent_at == datetime.timedelta(days=14)  # the round closes in 2030
    world.round.closes_on = timezone.localdate() + datetime.timedelta(days=2)
    world.round.save()
    link, _token = sent(world, lead)
    assert timezone.localtime(link.expires_at).date() == timezone.localdate() + datetime.timedelta(days=3)


def test_staff_are_never_sent_a_link(world, lead, admin_user):
    analyst = make_analyst(email="analyst@bold.example")
    Membership.objects.create(user=analyst, organisation=world.organisation, role=Membership.Role.REVIEWER)
    with pytest.raises(ValidationError, match="two-factor"):
        sent(world, lead, person=analyst)
    with pytest.raises(ValidationError, match="two-factor"):
        review_link_send(person=admin_user, review_round=world.round, actor=admin_user)
    assert not ReviewLink.objects.exists() and not OutboxMessage.objects.exists()


def test_only_admins_and_the_persons_own_leads_send_or_revoke(world, lead, admin_user):
    other_lead = make_reviewer(role=Membership.Role.LEAD)
    with pytest.raises(PermissionDenied):
        sent(world, other_lead)
    link, _token = sent(world, admin_user)
    with pytest.raises(PermissionDenied):
        review_link_revoke(link=link, actor=world.colleague)
    assert review_link_revoke(link=link, actor=lead).revoked_at is not None


def test_no_link_for_a_round_that_is_not_open_or_gives_them_nothing(world, lead):
    draft = make_round(status="draft")
    make_assignment(review_round=draft, version=world.version, reviewer=world.reviewer)
    with pytest.raises(ValidationError, match="while the round is open"):
        review_link_send(person=world.reviewer, review_round=draft, actor=lead)
    with pytest.raises(ValidationError, match="nothing to review"):
        review_link_send(person=world.reviewer, review_round=make_round(), actor=lead)


# --- Opening -----------------------------------------------------------------------------------


def test_opening_the_link_shows_a_button_and_starts_nothing(world, lead):
    """A mail scanner that follows the link gets the page: no session, not counted as used."""
    link, token = sent(world, lead)
    scanner = Client()
    response = scanner.get(link_url(token))
    assert response.status_code == 200 and b"Open my reviews" in response.content
    assert not is_signed_in(scanner)
    link.refresh_from_db()
    assert link.last_used_at is None
    assert not AuditEvent.objects.filter(action="review_link_opened").exists()


def test_pressing_the_button_opens_the_persons_reviews_in_that_round_only(world, lead):
    _link, token = sent(world, lead)
    other_round = make_round(name="Autumn round")
    make_assignment(review_round=other_round, version=make_version(title="Elsewhere"), reviewer=world.reviewer)
    client = opened(token)
    page = client.get(reverse("reviews:my_reviews"))
    assert world.version.title in page.content.decode() and "Elsewhere" not in page.content.decode()
    assert client.get(world.url("use_case")).status_code == 200
    assert client.get(world.url("review")).status_code == 200
    link = ReviewLink.objects.get()
    assert link.last_used_at is not None
    opened_row = AuditEvent.objects.get(action="review_link_opened")
    assert opened_row.actor == world.reviewer and opened_row.data["signed_in_with"] == "personal_link"


def test_anything_else_asks_for_a_normal_sign_in(world, lead, answers):
    _link, token = sent(world, lead, person=lead)
    other_round = make_round()
    other_version = make_version()
    make_assignment(review_round=other_round, version=other_version, reviewer=lead)
    client = opened(token)
    for url in (
        reverse("reviews:review", args=[other_round.slug, other_version.use_case.slug, 1]),
        reverse("reviews:organisation_reviews", args=[world.organisation.slug]),
        reverse("audiences:organisation_members", args=[world.organisation.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next=")
    # The sign-in page offers the form (it does not send them home), and a password ends the limit.
    sign_in = client.get(reverse("login"))
    assert sign_in.status_code == 200 and "only your reviews in" in sign_in.content.decode()
    client.post(reverse("login"), {"username": lead.email, "password": "correct-horse-battery"})
    assert client.get(reverse("reviews:organisation_reviews", args=[world.organisation.slug])).status_code == 200


def test_another_persons_review_stays_out_of_reach(world, lead, other_organisation_reviewer):
    _link, token = sent(world, lead)
    client = opened(token)
    # The other organisation's version is in the same round, given to them only.
    other = world.round.versions.exclude(pk=world.version.pk).get()
    assert client.get(world.url("review", version=other)).status_code == 404


def test_reviews_made_with_a_link_are_marked_in_the_audit_trail(world, lead, answers):
    _link, token = sent(world, lead)
    client = opened(token)
    response = client.post(world.url("review"), answers())
    assert response.status_code == 302
    row = AuditEvent.objects.get(action="review_submitted")
    assert row.data["signed_in_with"] == "personal_link"
    assert not AuditEvent.objects.filter(data__icontains=token).exists()


def test_reviews_made_with_a_password_are_not_marked(client, world, answers):
    client.force_login(world.reviewer)
    client.post(world.url("review"), answers())
    assert "signed_in_with" not in AuditEvent.objects.get(action="review_submitted").data


def test_signed_in_as_someone_else_is_told_so_and_offered_sign_out(client, world, lead):
    _link, token = sent(world, lead)
    client.force_login(world.colleague)
    response = client.get(link_url(token))
    assert b"Sign out and use the link" in response.content
    assert client.post(link_url(token)).status_code == 200  # the same page: nobody is switched
    assert client.session["_auth_user_id"] == str(world.colleague.pk)
    assert ReviewLink.objects.get().last_used_at is None


# --- Links that no longer work ------------------------------------------------------------------


def test_an_expired_link_is_refused(world, lead):
    link, token = sent(world, lead)
    ReviewLink.objects.filter(pk=link.pk).update(
        sent_at=timezone.now() - datetime.timedelta(days=15), expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    client = Client()
    response = client.post(link_url(token))
    assert response.status_code == 410 and b"expired" in response.content and not is_signed_in(client)


def test_a_link_stops_when_its_round_closes_and_so_does_its_session(world, lead):
    _link, token = sent(world, lead)
    client = opened(token)
    close_round(world.round)
    response = client.get(reverse("reviews:my_reviews"))
    assert response["Location"].startswith(reverse("login")) and not is_signed_in(client)
    assert Client().get(link_url(token)).status_code == 410


def test_a_revoked_link_is_refused_and_its_session_ends(world, lead):
    link, token = sent(world, lead)
    client = opened(token)
    review_link_revoke(link=link, actor=lead)
    assert client.get(world.url("review"))["Location"].startswith(reverse("login"))
    assert not is_signed_in(client)
    response = Client().post(link_url(token))
    assert response.status_code == 410 and b"no longer works" in response.content
    assert AuditEvent.objects.get(action="review_link_revoked").data["reason"] == "revoked"


def test_sending_again_revokes_the_old_link(world, lead):
    _old, old_token = sent(world, lead)
    _new, new_token = sent(world, lead)
    assert Client().post(link_url(old_token)).status_code == 410
    opened(new_token)
    assert ReviewLink.objects.filter(revoked_at__isnull=True).count() == 1
    assert AuditEvent.objects.get(action="review_link_revoked").data["reason"] == "sent_again"


def test_a_link_of_someone_made_staff_since_does_not_open(world, lead):
    _link, token = sent(world, lead)
    world.reviewer.groups.add(*make_admin().groups.all())
    assert Client().post(link_url(token)).status_code == 410


@pytest.mark.parametrize(
    "take_away",
    [
        lambda world, admin: account_active_set(user=world.reviewer, is_active=False, actor=admin),
        lambda world, admin: account_erase(user=world.reviewer, actor=admin),
        lambda world, admin: membership_remove(membership=Membership.objects.get(user=world.reviewer), actor=admin),
    ],
    ids=["switched_off", "erased", "membership_removed"],
)
def test_switching_off_erasing_or_removing_the_person_revokes_the_link(world, lead, admin_user, take_away, request):
    link, token = sent(world, lead)
    take_away(world, admin_user)
    link.refresh_from_db()
    assert link.revoked_at is not None
    revoked = AuditEvent.objects.get(action="review_link_revoked")
    assert revoked.data["reason"] == request.node.callspec.id and revoked.actor == admin_user
    assert Client().post(link_url(token)).status_code == 410


# --- Rate limit --------------------------------------------------------------------------------


def test_guessing_links_from_one_address_is_stopped(world, lead, settings):
    settings.REVIEW_LINK_OPEN_LIMIT = 5
    _link, token = sent(world, lead)
    client = Client(REMOTE_ADDR="192.0.2.7")
    for guess in range(5):
        assert client.get(link_url(f"guess-{guess}")).status_code == 410
    response = client.post(link_url(token))
    assert response.status_code == 429 and not is_signed_in(client)
    assert Client(REMOTE_ADDR="192.0.2.8").post(link_url(token)).status_code == 302


def test_one_link_opened_from_many_addresses_is_stopped(world, lead, settings):
    settings.REVIEW_LINK_OPEN_LIMIT = 3
    _link, token = sent(world, lead)
    for n in range(3):
        assert Client(REMOTE_ADDR=f"192.0.2.{n}").get(link_url(token)).status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.99").get(link_url(token)).status_code == 429


# --- The lead's and the admin's pages ------------------------------------------------------------


def test_the_lead_sees_who_has_a_live_link_and_when_it_was_last_used(client, world, lead):
    _link, token = sent(world, lead)
    opened(token)
    client.force_login(lead)
    page = client.get(reverse("reviews:organisation_review_links", args=[world.organisation.slug])).content.decode()
    row = re.search(r"reviewer@crisis\.example.*?</tr>", page, re.S).group(0)
    assert "Live" in row and "Not used yet" not in row and "Revoke" in row
    colleague_row = re.search(r"colleague@crisis\.example.*?</tr>", page, re.S).group(0)
    assert "No live link" in colleague_row


def test_the_lead_sends_and_revokes_with_a_confirmation(client, world, lead):
    client.force_login(lead)
    args = [world.organisation.slug, world.round.slug, world.colleague.pk]
    send_url = reverse("reviews:organisation_review_link_send", args=args)
    assert b"Send the link" in client.get(send_url).content
    assert not ReviewLink.objects.exists()  # opening the confirmation sends nothing
    assert client.post(send_url).status_code == 302
    assert ReviewLink.objects.get().person == world.colleague
    revoke_url = reverse("reviews:organisation_review_link_revoke", args=args)
    assert b"Revoke the link" in client.get(revoke_url).content
    assert client.post(revoke_url).status_code == 302
    assert ReviewLink.objects.get().revoked_at is not None


def test_a_lead_of_another_organisation_gets_404(client, world):
    client.force_login(make_reviewer(role=Membership.Role.LEAD))
    args = [world.organisation.slug, world.round.slug, world.colleague.pk]
    assert client.post(reverse("reviews:organisation_review_link_send", args=args)).status_code == 404
    assert not ReviewLink.objects.exists()


def test_the_admins_round_page_lists_reviewers_and_never_offers_staff(client, world, admin_user):
    analyst = make_analyst(email="analyst@bold.example")
    make_assignment(review_round=world.round, version=world.version, reviewer=analyst)
    client.force_login(admin_user)
    page = client.get(reverse("rounds:review_links", args=[world.round.slug])).content.decode()
    assert "reviewer@crisis.example" in page and "colleague@crisis.example" in page
    assert "analyst@bold.example" not in page
    assert client.get(reverse("rounds:review_link_send", args=[world.round.slug, analyst.pk])).status_code == 404


def test_sending_for_a_round_that_closed_meanwhile_says_why_and_changes_nothing(client, world, admin_user):
    client.force_login(admin_user)
    url = reverse("rounds:review_link_send", args=[world.round.slug, world.reviewer.pk])
    close_round(world.round)
    response = client.post(url)
    assert response.status_code == 400
    content = response.content.decode()
    assert "<title>Error: " in content and "only be sent while the round is open" in content
    assert not ReviewLink.objects.exists() and not OutboxMessage.objects.exists()


def test_revoking_when_there_is_no_live_link_changes_nothing(client, world, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("rounds:review_link_revoke", args=[world.round.slug, world.reviewer.pk]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="review_link_revoked").exists()


def test_the_lists_queries_do_not_grow_with_people(client, world, lead, django_assert_max_num_queries):
    client.force_login(lead)
    url = reverse("reviews:organisation_review_links", args=[world.organisation.slug])
    sent(world, lead)
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(5):
        sent(world, lead, person=make_reviewer(organisation=world.organisation))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_rounds_audit_filter_includes_its_links_rows(world, lead):
    link, token = sent(world, lead)
    opened(token)
    review_link_revoke(link=link, actor=lead)
    rows = audit_events(AuditFilters(scopes=(("round", str(world.round.pk)),)))
    assert {"review_link_sent", "review_link_opened", "review_link_revoked"} <= set(
        rows.values_list("action", flat=True)
    )


def test_the_links_page_keeps_its_address_from_other_sites(world, lead):
    _link, token = sent(world, lead)
    assert Client().get(link_url(token))["Referrer-Policy"] == "same-origin"


def test_a_link_session_reads_the_summary_of_its_round_under_the_rounds_rules(world, lead, answers):
    _link, token = sent(world, lead)
    client = opened(token)
    client.post(world.url("review"), answers())
    assert client.get(world.url("matrix:version_summary")).status_code == 200


def test_a_withdrawal_made_with_a_link_is_marked_too(world, lead, answers):
    _link, token = sent(world, lead)
    client = opened(token)
    client.post(world.url("review"), answers())
    client.post(world.url("review_withdraw"), {"lock_version": "1"})
    assert AuditEvent.objects.get(action="review_withdrawn").data["signed_in_with"] == "personal_link"


def test_the_same_person_signed_in_with_a_password_is_sent_to_their_reviews(client, world, lead):
    _link, token = sent(world, lead)
    client.force_login(world.reviewer)
    response = client.post(link_url(token))
    assert response["Location"] == reverse("reviews:my_reviews")
    assert ReviewLink.objects.get().last_used_at is None  # nothing limited: their full sign-in stays
    assert client.get(reverse("reviews:organisation_reviews", args=[world.organisation.slug])).status_code == 404
