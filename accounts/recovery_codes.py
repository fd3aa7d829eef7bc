"""Recovery codes are kept only as a keyed, salted hash (docs/sign-in-security.md).

A code has 10 hex digits (40 bits), few enough that a plain salted hash of each falls to trying
every code in minutes. So the hash is keyed with the SECRET_KEY as well as salted per code
(HMAC-SHA256, Django's salted_hmac): a copy of the database alone gives nothing to search. Codes
hashed under a key that is rotated out keep working while that key is in SECRET_KEY_FALLBACKS, as
sessions and password links do. The migration that hashed the codes kept in clear uses this
module too, so its functions must keep their meaning."""

import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

CODE_HEX_DIGITS = 10


def new_code() -> str:
    return secrets.token_hex(CODE_HEX_DIGITS // 2)


def new_salt() -> str:
    return secrets.token_hex(16)


def code_digest(code: str, *, salt: str, secret: str | None = None) -> str:
    """The hash kept of a code: HMAC-SHA256 under a key made from the salt and the SECRET_KEY (or
    secret)."""
    # The key's name keeps the app the codes were first hashed in: a new name would orphan every code.
    return salted_hmac(f"audiences.recovery_code.{salt}", code, secret=secret, algorithm="sha256").hexdigest()


def code_matches(code: str, *, salt: str, code_hash: str) -> bool:
    """Whether code is the one hashed, under the SECRET_KEY or one of its fallbacks, compared in
    constant time."""
    return any(
        constant_time_compare(code_digest(code, salt=salt, secret=key), code_hash)
        for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    )
