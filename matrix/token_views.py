"""Pages for the read API (docs/api.md): a signed-in analyst's API tokens (make one, see the key
once, list them, revoke one) and the API's documentation. As on every analyst page, anyone who
may not see the matrix gets a 404."""

from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from matrix.forms import ApiTokenForm
from matrix.selectors.tokens import api_token_of, api_tokens_of
from matrix.services.tokens import api_token_create, api_token_revoke
from matrix.views import analyst_only


@require_GET
def api_tokens(request):
    analyst_only(request)
    now = timezone.now()
    rows = [
        {"token": token, "is_active": token.revoked_at is None and token.expires_at > now}
        for token in api_tokens_of(request.user)
    ]
    return render(request, "matrix/api_tokens.html", {"rows": rows})


# The session entry that carries a new token's key from the POST that made it to the one page
# that shows it (Post/Redirect/Get); that page removes it.
NEW_KEY_SESSION = "matrix-api-token-new-key"


@require_http_methods(["GET", "POST"])
def api_token_new(request):
    """GET: the form. POST: make the token, then redirect to the page that shows its key, so that
    reloading never makes a second token. The key is never stored in the database; it waits in the
    person's server-side session, never in an address, until that page shows it once."""
    analyst_only(request)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = api_token_create(
            owner=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
        )
        request.session[NEW_KEY_SESSION] = {"token": token.pk, "key": key}
        return redirect("matrix:api_token_created", token_id=token.pk)
    return render(request, "matrix/api_token_new.html", {"form": form})


@require_GET
def api_token_created(request, token_id: int):
    """The new token's key, shown once: the session's copy is removed as the page is made, so a
    reload (or the back button) says that it was shown and makes nothing. Never cached."""
    analyst_only(request)
    token = api_token_of(user=request.user, token_id=token_id)
    if token is None:
        raise Http404
    waiting = request.session.get(NEW_KEY_SESSION)
    key = None
    if waiting and waiting.get("token") == token.pk:
        key = request.session.pop(NEW_KEY_SESSION)["key"]
    response = render(request, "matrix/api_token_created.html", {"token": token, "key": key})
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def api_token_revoke_page(request, token_id: int):
    analyst_only(request)
    token = api_token_of(user=request.user, token_id=token_id)
    if token is None or token.revoked_at is not None:
        raise Http404
    if request.method == "POST":
        api_token_revoke(token=token, actor=request.user)
        messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
        return redirect("matrix:api_tokens")
    return render(request, "matrix/api_token_revoke.html", {"token": token})


# Swagger UI's stylesheet draws its icons as data: images; this page alone allows them. Scripts
# stay as strict as everywhere else: no inline code, nothing from another origin.
@csp_update({"img-src": [SELF, "data:"]})
@require_GET
def api_docs(request):
    """The API's documentation: Swagger UI from the portal's own static files, started by a static
    script (no inline code, so the Content Security Policy's script rule is the same as elsewhere)."""
    analyst_only(request)
    return render(request, "matrix/api_docs.html")
