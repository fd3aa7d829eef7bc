"""Where a page may send someone back to, from an address that came with the request."""

from django.utils.http import url_has_allowed_host_and_scheme

from bold_portal.text import control_character

# Longer than any address of the portal; Django refuses to redirect to one over 2,048 characters.
ADDRESS_MAX_LENGTH = 2_000


def is_page_here(request, address: str) -> bool:
    """Whether address is a path on this site that a redirect may go to: not another site, not a
    word, no hidden control character, not absurdly long."""
    return (
        address.startswith("/")
        and len(address) <= ADDRESS_MAX_LENGTH
        and control_character(address) is None
        and url_has_allowed_host_and_scheme(
            address, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )
