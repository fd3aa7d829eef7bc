"""API tokens (docs/api.md): made and revoked by their owners, revoked when access is withdrawn,
and their last use noted."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bold_portal.models import audit, audit_many
from bold_portal.roles import is_analyst
from matrix.models import ApiToken
from matrix.selectors.tokens import api_token_hash


class TokenNotAllowed(Exception):
    """Only analysts and programme admins make API tokens."""


def _new_api_key() -> tuple[str, str]:
    """A new key and its visible prefix: "bold_" and 8 hex characters that name it in lists,
    then 43 random URL-safe characters (256 bits) that are never stored."""
    prefix = f"bold_{secrets.token_hex(4)}"
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def api_token_create(*, owner, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a token for owner's own tools, expiring in `days` days (at most API_TOKEN_MAX_DAYS).
    Returns the token and its key, which is shown once and never again: only its hash is kept."""
    if not owner.is_active or not is_analyst(owner):
        raise TokenNotAllowed
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": _("A token expires in 1 to %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS}}
        )
    prefix, key = _new_api_key()
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken(
            owner=owner,
            name=name.strip(),
            prefix=prefix,
            key_hash=api_token_hash(key),
            created_at=now,
            expires_at=now + datetime.timedelta(days=days),
        )
        token.full_clean()
        token.save()
        audit(
            actor=owner,
            action="api_token_created",
            obj=token,
            after={"prefix": prefix, "expires_at": token.expires_at.isoformat()},
        )
    return token, key


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke the token from now on. Revoking a revoked token changes nothing and records nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update(of=("self",)).get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit(
                actor=actor,
                action="api_token_revoked",
                obj=locked,
                before={"revoked_at": None},
                after={"revoked_at": locked.revoked_at.isoformat()},
            )
    return locked


def api_tokens_revoke_all(*, owner, actor, reason: str) -> int:
    """Revoke every token of owner still in use, because some of their access was taken away
    (reason: audiences.signals.ACCESS_WITHDRAWN_REASONS). One api_token_revoked row per token,
    with the reason and the admin who acted. Returns how many were revoked."""
    now = timezone.now()
    with transaction.atomic():
        tokens = list(
            ApiToken.objects.select_for_update(of=("self",))
            .filter(owner=owner, revoked_at__isnull=True, expires_at__gt=now)
            .order_by()
        )
        if not tokens:
            return 0
        ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).update(revoked_at=now)
        audit_many(
            actor=actor,
            action="api_token_revoked",
            objects=tokens,
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat()},
            reason=reason,
        )
    return len(tokens)


# A token's last use is noted at most this often: one write a minute, not one a request.
TOKEN_USE_RESOLUTION = datetime.timedelta(minutes=1)


def api_token_mark_used(*, token: ApiToken) -> None:
    """Note when the token was last used (bookkeeping shown on the tokens page, not audited)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
