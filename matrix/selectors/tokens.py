"""API tokens (docs/api.md): the key's hash, the token a key belongs to, and a person's tokens."""

import hashlib

from django.utils import timezone

from bold_portal.roles import is_analyst
from matrix.models import ApiToken


def api_token_hash(key: str) -> str:
    """What is stored of a token: the SHA-256 of the whole key, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_for_key(key: str):
    """The token this key belongs to, if it may be used now: not revoked, not expired, and its
    owner still signed up and still an analyst or admin; otherwise None. One query, plus the
    permission's group lookup."""
    token = (
        ApiToken.objects.select_related("owner")
        .filter(key_hash=api_token_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.owner.is_active or not is_analyst(token.owner):
        return None
    return token


def api_tokens_of(user) -> list:
    """A person's tokens, newest first, revoked and expired ones included (the page says which)."""
    return list(ApiToken.objects.filter(owner=user))


def api_token_of(*, user, token_id: int):
    """One of the person's own tokens, or None (anyone else's token is as good as missing)."""
    return ApiToken.objects.filter(owner=user, pk=token_id).first()
