"""Run by test_sqlite_concurrency.py in its own process, against a file SQLite database (the
embedded default of `make run`), so that every thread has a real connection of its own.

20 reviewers post their complete review at the same moment, then two tabs of one more reviewer
post the same new review at once. Then the saves of reviews that exist: the 20 change their
submitted reviews at once, 10 more submit drafts saved earlier at once, one reviewer changes a
submitted review from two tabs at once, and one withdraws in one tab while changing in another.
Prints one JSON line: the status codes seen and what was saved.
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
DRAFTERS = 10


def answers(principles, *, lock_version: int = 0, action: str = "submit", verdict: str = "does_not_meet") -> dict:
    data = {"overall_comment": "", "lock_version": str(lock_version), "action": action}
    for principle in principles:
        data |= {
            f"{principle.slug}-verdict": verdict,
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
    two_tabs_reviews = Review.objects.filter(reviewer=two_tabs_reviewer).count()
    submitted = Review.objects.filter(status=Review.Status.SUBMITTED).count()

    changes = post_at_once(
        [(reviewer, url, answers(principles, lock_version=1, verdict="not_sure")) for reviewer in reviewers]
    )
    drafters = [make_reviewer(organisation=organisation) for _ in range(DRAFTERS)]
    for drafter in drafters:
        client = Client()
        client.force_login(drafter)
        client.post(url, answers(principles, action="save"))
    drafts = post_at_once([(drafter, url, answers(principles, lock_version=1)) for drafter in drafters])
    # The two-tab reviewer's review is submitted (lock_version 1): two tabs change it at once.
    two_tabs_of_a_submitted = post_at_once([(two_tabs_reviewer, url, answers(principles, lock_version=1))] * 2)
    # The first reviewer's review was changed once (lock_version 2): withdraw and change at once.
    withdraw_url = f"/reviews/{review_round.slug}/{version.use_case.slug}/v{version.number}/review/withdraw/"
    withdraw_and_change = post_at_once(
        [(reviewers[0], withdraw_url, {"lock_version": "2"}), (reviewers[0], url, answers(principles, lock_version=2))]
    )
    print(
        json.dumps(
            {
                "many": many,
                "two_tabs": sorted(two_tabs),
                "submitted": submitted,
                "two_tabs_reviews": two_tabs_reviews,
                "changes": changes,
                "changed": Review.objects.filter(reviewer__in=reviewers, lock_version__gte=2).count(),
                "drafts_submitted": drafts,
                "two_tabs_of_a_submitted": sorted(two_tabs_of_a_submitted),
                "two_tabs_lock_version": Review.objects.get(reviewer=two_tabs_reviewer).lock_version,
                "withdraw_and_change": sorted(withdraw_and_change),
                "withdraw_and_change_lock_version": Review.objects.get(reviewer=reviewers[0]).lock_version,
                "withdrawn": Review.objects.get(reviewer=reviewers[0]).status == Review.Status.WITHDRAWN,
                "finally_submitted": Review.objects.filter(status=Review.Status.SUBMITTED).count(),
            }
        )
    )


main()
