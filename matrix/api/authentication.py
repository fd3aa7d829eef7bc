"""API tokens on the wire: "Authorization: Bearer <token>". A token is refused (401) when it is
unknown, revoked or expired, or when its owner is switched off or is no longer an analyst."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts import two_factor
from matrix.selectors.tokens import api_token_for_key
from matrix.services.tokens import api_token_mark_used


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token: the session may still sign the request in
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as: Authorization: Bearer <token>."))
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from error
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid, has expired or was revoked."))
        api_token_mark_used(token=token)
        return token.owner, token

    def authenticate_header(self, request):
        # Makes a missing or refused sign-in a 401 (with this challenge), not a 403.
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema (an HTTP bearer scheme)."""

    target_class = BearerTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token made on the portal's API tokens page."}


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The signed-in session, once it has passed two-factor sign-in where the person needs it.
    The API's views skip the portal's sign-in redirect (token clients have no session), and with
    it the two-factor middleware, so the same rule is applied here: a session that has not passed
    the code step counts as no sign-in at all (401)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if two_factor.two_factor_required(user) and not user.is_verified():
            return None
        return result


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = VerifiedSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
