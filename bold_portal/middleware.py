"""Middleware of the portal as a whole."""

from django.shortcuts import render
from django.utils.cache import patch_cache_control


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
