"""What an error report sent to Sentry may hold (SENTRY_DSN; docs/deployment.md, "Logs and errors").

The SDK runs with send_default_pii=False, so it sends no cookies, IP addresses or signed-in user by
itself; scrub_personal_data, its before_send, removes what could still carry personal data: what
people typed (request bodies, query strings), headers other than a few technical ones, the user
beyond an id, and email addresses wherever text is kept (messages, exception values, breadcrumbs)."""

import re

EMAIL = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[A-Za-z]{2,}")
EMAIL_REPLACEMENT = "[email]"
# Headers worth keeping to understand a failure; every other (Cookie, Authorization, Referer,
# forwarded addresses…) is dropped.
KEPT_HEADERS = {"accept", "accept-language", "content-length", "content-type", "host", "user-agent", "x-request-id"}


def without_emails(text):
    return EMAIL.sub(EMAIL_REPLACEMENT, text) if isinstance(text, str) else text


def scrub_personal_data(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: the event with personal data removed (it is changed in place)."""
    request = event.get("request")
    if request:
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if "url" in request:
            request["url"] = without_emails(request["url"].split("?", 1)[0])
        request["headers"] = {
            name: value for name, value in (request.get("headers") or {}).items() if name.lower() in KEPT_HEADERS
        }
    if "user" in event:
        event["user"] = {"id": event["user"]["id"]} if event["user"].get("id") is not None else {}
    logentry = event.get("logentry") or {}
    for key in ("message", "formatted"):
        if key in logentry:
            logentry[key] = without_emails(logentry[key])
    logentry.pop("params", None)
    if "message" in event:
        event["message"] = without_emails(event["message"])
    for exception in (event.get("exception") or {}).get("values", []):
        exception["value"] = without_emails(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            # Local variables hold forms, reviews and accounts.
            frame.pop("vars", None)
    for breadcrumb in (event.get("breadcrumbs") or {}).get("values", []):
        breadcrumb["message"] = without_emails(breadcrumb.get("message"))
        breadcrumb.pop("data", None)
    event.pop("extra", None)
    return event
