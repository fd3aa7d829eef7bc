"""Keeping what a reviewer typed when a save or submit of the review form was refused because
their session had ended, or because signing in again in another tab rotated the CSRF token
(docs/reviewer-journey.md, "Nothing typed is lost").

The form carries a signed token of (person, round, version). A refused post that carries a valid
token is kept for KEPT_POST_HOURS under that token, and is only ever read back for the same person,
signed in: never for whoever else signs in on a shared computer. Kept posts are purged nightly and
when the person's account is erased, and are never written to the audit trail (they are unsaved
text, not a change to a review)."""

import datetime
import json
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.personal_data_holders import ErasedRows, eraser, purger
from reviews.models import KEPT_POST_MAX, KeptReviewPost

KEPT_POST_HOURS = 24
# The name of a form field, not a secret (bandit takes "token" for a password: hence the nosec comment).
KEEP_TOKEN_FIELD = "keep_token"  # nosec
# Which kept post the form showed (its kept_at), so that saving removes that one and never text
# kept since, by a refused save in another tab that this form has not shown.
SHOWN_FIELD = "kept_shown"
_SALT = "reviews.kept-review-post"
# Never kept: the CSRF token (useless later), the token itself, and the button pressed.
_NOT_KEPT = {"csrfmiddlewaretoken", KEEP_TOKEN_FIELD, SHOWN_FIELD, "action"}


@dataclass(frozen=True)
class KeepToken:
    person_id: int
    round_id: int
    version_id: int


def keep_token_make(*, person_id: int, round_id: int, version_id: int) -> str:
    """The signed token the review form carries."""
    return signing.dumps([person_id, round_id, version_id], salt=_SALT, compress=False)


def keep_token_read(value: str) -> KeepToken | None:
    """The token's (person, round, version) if it is genuine and less than KEPT_POST_HOURS old."""
    try:
        person_id, round_id, version_id = signing.loads(value, salt=_SALT, max_age=timedelta(hours=KEPT_POST_HOURS))
        return KeepToken(int(person_id), int(round_id), int(version_id))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def kept_post_keep(*, post: QueryDict) -> KeepToken | None:
    """Keep a refused post of the review form under its token; the token, or None (and nothing
    kept) when the post carries no genuine one. One kept post per (person, round, version): a
    newer one replaces it."""
    token = keep_token_read(post.get(KEEP_TOKEN_FIELD, ""))
    if token is None:
        return None
    data = {name: post.getlist(name) for name in post if name not in _NOT_KEPT}
    if len(json.dumps(data)) > KEPT_POST_MAX:
        return None
    with transaction.atomic():
        KeptReviewPost.objects.update_or_create(
            person_id=token.person_id,
            round_id=token.round_id,
            version_id=token.version_id,
            defaults={"data": data, "kept_at": timezone.now()},
        )
    return token


def kept_post_for(*, person, round_id: int, version_id: int) -> KeptReviewPost | None:
    """The signed-in person's own kept post for the review, if one is still within its time."""
    if not person.is_authenticated:
        return None
    cutoff = timezone.now() - timedelta(hours=KEPT_POST_HOURS)
    return KeptReviewPost.objects.filter(
        person_id=person.pk, round_id=round_id, version_id=version_id, kept_at__gte=cutoff
    ).first()


def kept_post_data(kept: KeptReviewPost) -> QueryDict:
    """The kept fields as a QueryDict, for binding the review forms."""
    data = QueryDict(mutable=True)
    for name, values in kept.data.items():
        data.setlist(name, [str(value) for value in values])
    return data


def kept_post_discard(*, person, round_id: int, version_id: int) -> None:
    """Delete the person's kept post for the review (saved, or set aside by them)."""
    KeptReviewPost.objects.filter(person_id=person.pk, round_id=round_id, version_id=version_id).delete()


def kept_post_saved(*, person, round_id: int, version_id: int, shown: str) -> None:
    """After a save from a form that showed a kept post (shown: its kept_at, as the form carried
    it), delete that post; one kept later, or none shown, stays to be shown."""
    try:
        shown_at = datetime.datetime.fromisoformat(shown)
    except ValueError:
        return
    KeptReviewPost.objects.filter(
        person_id=person.pk, round_id=round_id, version_id=version_id, kept_at__lte=shown_at
    ).delete()


@purger("kept_review_posts")
def kept_posts_purge(now: datetime.datetime) -> int:
    """Kept posts older than KEPT_POST_HOURS."""
    with transaction.atomic():
        return KeptReviewPost.objects.filter(kept_at__lt=now - timedelta(hours=KEPT_POST_HOURS)).delete()[0]


@eraser("reviews")
def kept_posts_erase(*, user, email: str) -> ErasedRows:
    """A person's kept posts go with their account (counted, never their contents)."""
    deleted = KeptReviewPost.objects.filter(person=user).delete()[0]
    return ErasedRows(details={"kept_review_posts_deleted": deleted})


def kept_post_replace(*, kept: KeptReviewPost, data: dict[str, list[str]]) -> KeptReviewPost:
    """Put what the reviewer chose after a conflict (reviews.selectors.conflicts) in place of what
    was kept: still unsaved text, restored into the form for them to save, so never audited."""
    kept.data = data
    kept.kept_at = timezone.now()
    kept.full_clean()
    with transaction.atomic():
        kept.save(update_fields=["data", "kept_at"])
    return kept
