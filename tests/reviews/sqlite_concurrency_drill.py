"""Run by test_sqlite_concurrency.py in its own process, against a file SQLite database (the
embedded default of `make run`), so that every thread has a real connection of its own.

20 reviewers post their complete review at the same moment, then two tabs of one more reviewer
post the same new review at once. Prints one JSON line: the status codes seen and what was saved.
"""

import json
import threading

import django

django.setup()

from django.test import Client  # noqa: E402

from reviews.models import Review  # noqa: E402
from tests.factories import (  # noqa: E402
    make_assignment,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)

REVIEWERS = 20


def answers(principles) -> dict:
    data = {"overall_comment": "", "lock_version": "0", "action": "submit"}
    for principle in principles:
        data |= {
            f"{principle.slug}-verdict": "does_not_meet",
            f"{principle.slug}-reason": "It assumes people have offended.",
            f"{principle.slug}-evidence": "",
            f"{principle.slug}-suggested_rewording": "",
        }
    return data


def post_at_once(posts) -> list[int]:
    """Each (user, url, data) posted from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(posts))
    statuses = [None] * len(posts)

    def run(index, user, url, data):
        client = Client(raise_request_exception=False)  # a server error is a 500, as a browser sees it
        client.force_login(user)
        barrier.wait()
        statuses[index] = client.post(url, data).status_code

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def main():
    principles = [make_principle(), make_principle()]
    organisation = make_organisation()
    version = make_version()
    review_round = make_round(principles=principles)
    make_assignment(review_round=review_round, version=version, organisation=organisation)
    url = f"/reviews/{review_round.slug}/{version.use_case.slug}/v{version.number}/review/"
    reviewers = [make_reviewer(organisation=organisation) for _ in range(REVIEWERS)]
    many = post_at_once([(reviewer, url, answers(principles)) for reviewer in reviewers])
    two_tabs_reviewer = make_reviewer(organisation=organisation)
    two_tabs = post_at_once([(two_tabs_reviewer, url, answers(principles))] * 2)
    print(
        json.dumps(
            {
                "many": many,
                "two_tabs": sorted(two_tabs),
                "submitted": Review.objects.filter(status=Review.Status.SUBMITTED).count(),
                "two_tabs_reviews": Review.objects.filter(reviewer=two_tabs_reviewer).count(),
            }
        )
    )


main()
