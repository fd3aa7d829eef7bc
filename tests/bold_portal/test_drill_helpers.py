"""The fault drills' own helpers (the drills themselves run by `make drills`, outside the suite)."""

import socket

from drills.harness import answers, spare_port, wait_until
from drills.scenarios import failed, statuses, updating_sentence


def test_the_updating_sentence_is_read_from_the_page_without_its_markup():
    page = '<a>Back</a><div class="govuk-inset-text">\n  Reviews have changed, so the matrix is being updated.\n</div>'

    assert updating_sentence(page) == "Reviews have changed, so the matrix is being updated."
    assert updating_sentence("<p>The matrix was last computed at 9:00 am.</p>") == ""


def test_server_errors_and_unanswered_requests_count_as_failed():
    results = [(200, ""), (302, ""), (403, ""), (409, ""), (500, ""), (0, "ConnectionRefusedError")]

    assert failed(results) == 2
    assert statuses(results) == "1 x no answer, 1 x 200, 1 x 302, 1 x 403, 1 x 409, 1 x 500"


def test_a_spare_port_answers_only_once_something_listens_on_it():
    port = spare_port()
    assert not answers(port)
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert wait_until(lambda: answers(port), seconds=2, what="the port answering")
