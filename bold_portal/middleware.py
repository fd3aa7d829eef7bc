"""Middleware of the portal as a whole."""

from django.shortcuts import render


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
