"""Log lines that name their request: a request id for every request (bold_portal.middleware.
request_id), a logging filter that puts it on every record, and JSON lines for log collectors
(LOG_FORMAT=json; docs/deployment.md, "Logs and errors")."""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished
from django.dispatch import receiver

# Outside a request (a worker, a command) the id is "-".
current_request_id: ContextVar[str] = ContextVar("request_id", default="-")

# An id a proxy in front set (X-Request-ID) is kept when it is short and plain, so the proxy's
# logs and the portal's can be joined; anything else could forge or break a log line.
PLAIN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id_for(header: str | None) -> str:
    """The proxy's id when it is plain enough, otherwise a new one."""
    return header if header and PLAIN_ID.fullmatch(header) else uuid.uuid4().hex


@receiver(request_finished)
def request_id_clear(**kwargs) -> None:
    current_request_id.set("-")


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id and, after an
    exception, its traceback as one string, so a collector never splits a record."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", current_request_id.get()),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)
