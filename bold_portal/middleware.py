"""Middleware of the portal as a whole."""

from django.shortcuts import render
from django.utils.cache import patch_cache_control

from bold_portal.request_logs import current_request_id, request_id_for


def request_id(get_response):
    """Names the request for every line it logs (bold_portal.request_logs) and in the response's
    X-Request-ID, so that someone reporting a problem can quote it."""

    def middleware(request):
        # Cleared when the request finishes (bold_portal.request_logs), not here: Django logs a
        # failed response, and runs what a page left for after it, once this has returned.
        current_request_id.set(request_id_for(request.headers.get("X-Request-ID")))
        response = get_response(request)
        response["X-Request-ID"] = current_request_id.get()
        return response

    return middleware


def method_not_allowed_page(get_response):
    """Django answers a request with the wrong method (opening a button's address, such as sign
    out, from a bookmark) with an empty 405; show a page that says what to do instead."""

    def middleware(request):
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response["Allow"]
            return page
        return response

    return middleware


def private_cache_for_signed_in(get_response):
    """A signed-in page shows one person's data: no shared cache may keep it, and the browser may
    not store it either, so that Back after signing out on a shared computer shows nothing."""

    def middleware(request):
        response = get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
