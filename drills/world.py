"""The data each drill runs on, made with the suite's builders in the drills' own database, and
the signed-in browsers of the people in it."""

import threading
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.test import Client

from bold_portal.roles import ADMINS
from drills.harness import Browser
from matrix.services.recompute import matrix_recompute
from reviews.models import ReviewRound
from tests.factories import (
    make_assignment,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from tests.two_factor import force_login_past_two_factor


def signed_in(port: int, user) -> Browser:
    """A browser holding a session made for the user, past the two-factor step where it applies."""
    client = Client()
    force_login_past_two_factor(client, user)
    return Browser(port, client.cookies["sessionid"].value)


def answers(principles, *, verdict: str) -> dict:
    """A complete review: the same verdict on every principle, with a reason."""
    data = {"overall_comment": "", "lock_version": "0", "action": "submit"}
    for principle in principles:
        data |= {
            f"{principle.slug}-verdict": verdict,
            f"{principle.slug}-reason": "Drill reason.",
            f"{principle.slug}-evidence": "",
            f"{principle.slug}-suggested_rewording": "",
        }
    return data


@dataclass
class World:
    """An open round of a few use-case versions, assigned to one organisation's reviewers."""

    review_round: ReviewRound
    principles: list
    versions: list
    reviewers: list
    admin: object
    port: int

    @classmethod
    def make(cls, *, port: int, versions: int, reviewers: int, computed: bool = True) -> "World":
        principles = [make_principle() for _ in range(3)]
        organisation = make_organisation()
        review_round = make_round(principles=principles)
        made = [make_version() for _ in range(versions)]
        for version in made:
            make_assignment(review_round=review_round, version=version, organisation=organisation)
        admin = make_user()
        admin.groups.add(Group.objects.get(name=ADMINS))
        people = [make_reviewer(organisation=organisation) for _ in range(reviewers)]
        if computed:
            matrix_recompute(round_id=review_round.pk)
        return cls(review_round, principles, made, people, admin, port)

    def review_path(self, version) -> str:
        return f"/reviews/{self.review_round.slug}/{version.use_case.slug}/v{version.number}/review/"

    def matrix_path(self) -> str:
        return f"/rounds/{self.review_round.slug}/matrix/"

    def close_path(self) -> str:
        return f"/manage/rounds/{self.review_round.slug}/close/"

    def browser(self, user) -> Browser:
        return signed_in(self.port, user)


def at_once(calls) -> list:
    """Each call run in its own thread, released together by a barrier; their answers in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results
