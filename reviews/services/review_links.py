"""Personal review links (docs/sign-in-security.md, "Personal review links"): sent by a programme
admin or an organisation lead to a reviewer, for that person's own reviews in one round, usable
without a password. Only a hash of the token is stored; every change runs in one transaction and
writes an audit row; the email goes through the outbox."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Membership
from bold_portal.email import email_send, portal_url
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from bold_portal.roles import is_admin, is_analyst
from reviews.models import Assignment, ReviewLink, ReviewRound
from reviews.services.rounds import round_read_shared

# How an audit row says the person got in, on every row written in a personal link's session.
SIGNED_IN_WITH_PERSONAL_LINK = "personal_link"


class ReviewLinkRefused(Exception):
    """The link cannot be used; the message says why and what to do."""


def review_link_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def is_staff_member(person) -> bool:
    """Analysts, programme admins and superusers: they sign in with two-factor sign-in, never a link."""
    return bool(is_analyst(person) or person.is_superuser or person.is_staff)


def may_manage_review_links(actor, person) -> bool:
    """Programme admins, and leads of an organisation person belongs to."""
    return bool(
        is_admin(actor)
        or Membership.objects.filter(
            user=person, organisation__memberships__user=actor, organisation__memberships__role=Membership.Role.LEAD
        ).exists()
    )


def is_assigned_in_round(person, review_round: ReviewRound) -> bool:
    return Assignment.objects.filter(
        Q(reviewer=person) | Q(organisation__memberships__user=person), round=review_round
    ).exists()


def _refusal_to_send(person, review_round: ReviewRound) -> str | None:
    if is_staff_member(person):
        return _("Analysts and programme admins sign in with two-factor sign-in. They cannot be sent a personal link.")
    if not person.is_active:
        return _("This account is switched off. Switch it back on before sending a personal link.")
    if not review_round.is_open:
        return _("Personal links can only be sent while the round is open.")
    if not is_assigned_in_round(person, review_round):
        return _("%(name)s has nothing to review in this round.") % {"name": person.get_short_name()}
    return None


def _expiry(review_round: ReviewRound, now: datetime.datetime) -> datetime.datetime:
    """REVIEW_LINK_VALID_DAYS from now, or the end of the round's planned closing day if sooner."""
    expires_at = now + datetime.timedelta(days=settings.REVIEW_LINK_VALID_DAYS)
    if review_round.closes_on:
        day_after_closing = datetime.datetime.combine(
            review_round.closes_on + datetime.timedelta(days=1), datetime.time.min
        )
        end_of_closing_day = timezone.make_aware(day_after_closing)
        if now < end_of_closing_day < expires_at:
            return end_of_closing_day
    return expires_at


def _revoke(links, *, actor, reason: str, now: datetime.datetime) -> list[int]:
    """Revoke links (rows locked by the caller), one audit row each; returns their ids."""
    for link in links:
        link.revoked_at = now
        link.save(update_fields=["revoked_at"])
        audit(
            actor=actor,
            action="review_link_revoked",
            obj=link,
            before={"revoked_at": None},
            after={"revoked_at": audit_value(now)},
            person=link.person_id,
            round=link.round_id,
            reason=reason,
        )
    return [link.pk for link in links]


def review_link_send(*, person, review_round: ReviewRound, actor) -> tuple[ReviewLink, str]:
    """Send person a new personal link to their reviews in review_round; a link they had for the
    round stops working. Returns the link and the raw token, which is stored nowhere: only the
    emailed link carries it."""
    if not may_manage_review_links(actor, person):
        raise PermissionDenied(_("You can only send personal links to members of an organisation you lead."))
    with transaction.atomic():
        # The person's row lock: two senders at once send one link after the other, never two live ones.
        person = get_user_model().objects.select_for_update(of=("self",)).get(pk=person.pk)
        review_round = round_read_shared(review_round.pk)
        if problem := _refusal_to_send(person, review_round):
            raise ValidationError({"person": problem})
        now = timezone.now()
        older = ReviewLink.objects.select_for_update(of=("self",)).filter(
            person=person, round=review_round, revoked_at__isnull=True
        )
        replaced = _revoke(list(older), actor=actor, reason="sent_again", now=now)
        raw_token = secrets.token_urlsafe(32)
        link = ReviewLink(
            person=person,
            round=review_round,
            token_hash=review_link_token_hash(raw_token),
            sent_by=actor,
            sent_at=now,
            expires_at=_expiry(review_round, now),
        )
        link.full_clean()
        link.save()
        audit(
            actor=actor,
            action="review_link_sent",
            obj=link,
            after={"expires_at": audit_value(link.expires_at)},
            person=person.pk,
            round=review_round.pk,
            replaced_links=replaced,
        )
        # Sent inside the transaction: if the email cannot be sent, no link is left behind.
        email_send(
            template="reviews/email/review_link",
            kind="review_link",
            obj=link,
            holds_secret=True,
            user=person,
            to=[person.email],
            context={
                "name": person.get_short_name(),
                "sender_name": actor.get_full_name() or actor.email,
                "review_round": review_round,
                "expires_at": link.expires_at,
                "link_url": portal_url("reviews:review_link", raw_token),
            },
        )
    return link, raw_token


def review_link_revoke(*, link: ReviewLink, actor) -> ReviewLink:
    """Stop a personal link from working, and the sessions it started."""
    if not may_manage_review_links(actor, link.person):
        raise PermissionDenied(_("You can only revoke personal links of members of an organisation you lead."))
    with transaction.atomic():
        fresh = ReviewLink.objects.select_for_update(of=("self",)).get(pk=link.pk)
        if fresh.revoked_at is None:
            _revoke([fresh], actor=actor, reason="revoked", now=timezone.now())
    return fresh


def review_links_revoke_all(*, person, actor, reason: str) -> list[int]:
    """Revoke every link of person that is not revoked yet (their account was switched off or
    erased, or they left an organisation): called inside the transaction that made the change."""
    with transaction.atomic():
        links = ReviewLink.objects.select_for_update(of=("self",)).filter(person=person, revoked_at__isnull=True)
        return _revoke(list(links), actor=actor, reason=reason, now=timezone.now())


def review_link_for_token(raw_token: str, *, lock: bool = False) -> ReviewLink:
    """The live link for raw_token, or ReviewLinkRefused saying why it cannot be used."""
    links = ReviewLink.objects.select_related("round", "person")
    if lock:
        links = links.select_for_update(of=("self",))
    link = links.filter(token_hash=review_link_token_hash(raw_token)).first()
    if link is None or not link.person.is_active or is_staff_member(link.person):
        raise ReviewLinkRefused(
            _(
                "This link is not valid. Check that you copied the whole link from the email, or ask your "
                "organisation's lead for a new one."
            )
        )
    if link.revoked_at is not None:
        raise ReviewLinkRefused(
            _(
                "This link no longer works: it was replaced by a newer one or stopped. Use the link in the "
                "newest email, or ask your organisation's lead for a new one."
            )
        )
    if not link.is_live():
        raise ReviewLinkRefused(
            _("This link has expired, or its round has closed. Ask your organisation's lead if you need a new one.")
        )
    return link


def review_link_open(*, raw_token: str) -> ReviewLink:
    """Use the link: it records when it was last used, for the lead's and admin's pages. Returns
    the link, whose person the view signs in for its round alone."""
    with transaction.atomic():
        link = review_link_for_token(raw_token, lock=True)
        link.last_used_at = timezone.now()
        link.save(update_fields=["last_used_at"])
        audit(
            actor=link.person,
            action="review_link_opened",
            obj=link,
            round=link.round_id,
            signed_in_with=SIGNED_IN_WITH_PERSONAL_LINK,
        )
    return link


def review_link_attempt_allowed(*, ip_address: str, raw_token: str) -> bool:
    """Count one request to open a link, from ip_address and for raw_token's hash; False once
    either count passes REVIEW_LINK_OPEN_LIMIT within the window. Counts live in the cache."""
    window = settings.REVIEW_LINK_OPEN_WINDOW_MINUTES * 60
    allowed = True
    for key in (f"review-link-ip:{ip_address}", f"review-link-token:{review_link_token_hash(raw_token)}"):
        cache.add(key, 0, timeout=window)
        if cache.incr(key) > settings.REVIEW_LINK_OPEN_LIMIT:
            allowed = False
    return allowed
