"""Queueing Celery tasks after a commit, when the broker (or the Redis cache beside it) may not answer.

The committed change stands whatever happens to its message, and something heals a lost one (the
sweep, the outbox, a failed export the person can start again). So a failure to queue is logged as
one line with its cause, never a traceback: during an outage every submit fails to queue, and a
traceback per attempt buried the log (docs/reliability.md)."""

import logging


def queue_failure_log(logger: logging.Logger, error: BaseException, message: str, *args: object) -> None:
    """Log message % args, then the error's type and text, as one line at ERROR."""
    cause = " ".join(str(error).split()) or "no message"
    logger.error("%s (%s: %s)", message % args, type(error).__name__, cause)
