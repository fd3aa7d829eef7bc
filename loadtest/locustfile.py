"""The steady part of `make load` (docs/performance.md, "Load run"): 50 reviewers, each pausing
5 to 15 s between actions (open a review form, save a draft, submit, read the summary), an analyst
reloading the round's matrix, an admin the round's progress dashboard, and a signed-in person
reloading a trivial page (the baseline), all with sessions made before the run. Each person's
first action comes at a random moment within one mean pause, as it would in the steady state, not
all in the run's first second. Locust runs this
file; the world it reads (sessions, paths, principles) is written by `python -m loadtest`, and each
submit the portal confirms is appended to the file named by LOAD_TOLD_SAVED, for the check after
the run."""

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, between, task

WORLD = json.loads(open(os.environ["LOAD_WORLD"], encoding="utf-8").read())  # noqa: SIM115 (read once, at import)
TOLD_SAVED = os.environ["LOAD_TOLD_SAVED"]
LOCK_VERSION = re.compile(r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"')
CHOICES = ("meets", "does_not_meet", "not_sure")
_reviewers = itertools.count()
_baseline = itertools.count()


def review_answers(principles: list[str], *, lock_version: int, action: str, verdicts: dict[str, str]) -> dict:
    data = {"overall_comment": "Load run.", "lock_version": str(lock_version), "action": action}
    for slug in principles:
        verdict = verdicts.get(slug, "")
        data |= {
            f"{slug}-verdict": verdict,
            f"{slug}-reason": "" if verdict == "meets" else "A reason written during the load run.",
            f"{slug}-evidence": "",
            f"{slug}-suggested_rewording": "",
        }
    return data


def told_saved(record: dict) -> None:
    with open(TOLD_SAVED, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(5, 15)
    person: dict

    def on_start(self):
        self.client.cookies.set("sessionid", self.person["session"])
        self.client.cookies.set("csrftoken", self.person["csrf"])
        # Everyone starting in the same second queued some 50 form requests behind each other on
        # two cores, a tail no steady state has. 10 s is the mean pause; the random is not security.
        gevent.sleep(random.uniform(0, 10))  # nosec B311


class Reviewer(SignedIn):
    """Works through their own assigned use cases, one action at a time."""

    fixed_count = len(WORLD["reviewers"])

    def on_start(self):
        self.person = WORLD["reviewers"][next(_reviewers) % len(WORLD["reviewers"])]
        super().on_start()
        self.targets = iter(self.person["targets"])
        self.steps = itertools.cycle(("open", "draft", "submit", "summary"))
        self.target, self.lock_version, self.verdicts = None, 0, {}

    @task
    def next_action(self):
        step = next(self.steps)
        if step == "open":
            self.target = next(self.targets, None)
            if self.target is None:
                return
            self.verdicts = {slug: random.choice(CHOICES) for slug in WORLD["principles"]}  # nosec: not security
            with self.client.get(self.target["form"], name="review form", catch_response=True) as response:
                found = LOCK_VERSION.search(response.text)
                self.lock_version = int(next(g for g in found.groups() if g)) if found else 0
        elif self.target is None:
            return
        elif step == "draft":
            first = WORLD["principles"][0]
            data = review_answers(
                WORLD["principles"], lock_version=self.lock_version, action="leave", verdicts={first: "not_sure"}
            )
            data["csrfmiddlewaretoken"] = self.person["csrf"]
            with self.client.post(
                self.target["form"], data=data, name="save a draft", allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code == 302:
                    self.lock_version += 1
                else:
                    response.failure(f"draft answered {response.status_code}")
        elif step == "submit":
            data = review_answers(
                WORLD["principles"], lock_version=self.lock_version, action="submit", verdicts=self.verdicts
            )
            data["csrfmiddlewaretoken"] = self.person["csrf"]
            with self.client.post(
                self.target["form"], data=data, name="submit", allow_redirects=False, catch_response=True
            ) as response:
                if response.status_code == 302 and response.headers.get("Location", "").endswith("/submitted/"):
                    told_saved(
                        {
                            "reviewer": self.person["id"],
                            "version": self.target["version"],
                            "verdicts": self.verdicts,
                            "at": time.time(),
                        }
                    )
                else:
                    response.failure(f"submit answered {response.status_code}")
        else:
            self.client.get(self.target["summary"], name="summary")


class Analyst(SignedIn):
    fixed_count = 1

    def on_start(self):
        self.person = WORLD["analyst"]
        super().on_start()

    @task
    def matrix(self):
        self.client.get(WORLD["matrix"], name="matrix")


class Admin(SignedIn):
    fixed_count = 1

    def on_start(self):
        self.person = WORLD["admin"]
        super().on_start()

    @task
    def dashboard(self):
        self.client.get(WORLD["dashboard"], name="progress dashboard")


class Baseline(SignedIn):
    """Several people, so that the trivial page's p95 rests on as many requests as the submit's."""

    fixed_count = int(os.environ.get("LOAD_BASELINE_USERS", "5"))

    def on_start(self):
        self.person = WORLD["baseline"][next(_baseline) % len(WORLD["baseline"])]
        super().on_start()

    @task
    def trivial(self):
        self.client.get(WORLD["trivial"], name="trivial page")
