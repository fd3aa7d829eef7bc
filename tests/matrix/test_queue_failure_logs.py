"""A task that cannot be queued is one log line with its cause, not a traceback per attempt
(docs/reliability.md): during a broker outage every submit fails to queue."""

import logging
from unittest import mock

from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from matrix.tasks import enqueue_matrix_recompute, recompute_matrix


def broker_refused() -> OperationalError:
    """What kombu raises when Redis refuses the connection, with the chain of causes it carries."""
    try:
        try:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379.\nConnection refused.")
        except RedisConnectionError as cause:
            raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        return error


def the_one_line(caplog) -> logging.LogRecord:
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is None and record.exc_text is None
    assert "\n" not in record.getMessage()
    return record


def test_a_recompute_the_broker_refuses_is_one_line_naming_the_cause(caplog):
    with mock.patch.object(recompute_matrix, "delay", side_effect=broker_refused()), caplog.at_level(logging.INFO):
        assert enqueue_matrix_recompute(7) is False

    assert the_one_line(caplog).getMessage() == (
        "Could not queue a matrix recompute for round 7; the sweep will retry "
        "(OperationalError: Error 111 connecting to 127.0.0.1:6379. Connection refused.)"
    )


def test_a_cache_that_stops_answering_too_adds_no_second_line(caplog):
    with (
        mock.patch("matrix.tasks.cache.add", side_effect=RedisConnectionError("Connection refused.")),
        mock.patch("matrix.tasks.cache.delete", side_effect=RedisConnectionError("Connection refused.")),
        caplog.at_level(logging.INFO),
    ):
        assert enqueue_matrix_recompute(7, 3) is False

    assert "(ConnectionError: Connection refused.)" in the_one_line(caplog).getMessage()
