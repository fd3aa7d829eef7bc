"""Work a page asks for but must not wait for, run once the page has been sent.

A WSGI or ASGI server closes the response after sending its last byte, and Django then runs the
response's closers (`HttpResponseBase.close`) before it sends `request_finished`: an action
registered here runs in the same process, after the person has the page, while the request's
database connection is still open. The test client closes every response the same way."""

import logging
from collections.abc import Callable

from django.http import HttpResponseBase

logger = logging.getLogger(__name__)


def run_after_response(response: HttpResponseBase, action: Callable[[], object], *, what: str) -> None:
    """Run action once response has been sent. An error is logged (naming `what`), never raised:
    the page has already gone."""

    def run():
        try:
            action()
        except Exception:  # Django would swallow it silently
            logger.exception("%s, after the response, failed.", what)

    # Django's own list of what to do when the response is closed (it closes files this way).
    response._resource_closers.append(run)
