import copy
import datetime

import pytest
from django.urls import reverse

from reviews.services.reviews import VerdictInput, review_save
from tests.database import shared_by_module
from tests.factories import (
    close_round,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)


def days(n: int) -> datetime.date:
    """The date n days from today (before it, for a negative n)."""
    return datetime.date.today() + datetime.timedelta(days=n)


class ReviewWorld:
    """One open, blind round with two principles and one use case version, assigned to a
    reviewer in person and to a colleague's organisation."""

    def __init__(self):
        self.audience = make_audience(name="People experiencing homelessness")
        self.organisation = make_organisation(name="Crisis", audiences=[self.audience])
        self.other_organisation = make_organisation(name="Nacro")
        self.relevant = make_principle(
            name="Relevant",
            slug="relevant",
            order=1,
            question="Is the use case relevant to the audience?",
            guidance="It answers a question the audience cares about.",
        )
        self.clear = make_principle(
            name="Clear and informative", slug="clear", order=2, question="Does it say plainly what happens?"
        )
        self.version = make_version(audience=self.audience, title="Health of people leaving temporary housing")
        self.round = make_round(
            principles=[self.relevant, self.clear],
            name="Spring round",
            slug="spring",
            closes_on=datetime.date(2030, 6, 30),
        )
        self.reviewer = make_reviewer(organisation=self.organisation, email="reviewer@crisis.example")
        self.colleague = make_reviewer(organisation=self.organisation, email="colleague@crisis.example")
        make_assignment(
            review_round=self.round, version=self.version, reviewer=self.reviewer, due_on=datetime.date(2030, 5, 1)
        )
        make_assignment(review_round=self.round, version=self.version, organisation=self.organisation)

    def url(self, name, version=None, review_round=None):
        """A page of the version in the round: a reviews page by its name ("review"), or any
        page by its namespaced name ("matrix:version_summary")."""
        version = version or self.version
        review_round = review_round or self.round
        name = name if ":" in name else f"reviews:{name}"
        return reverse(name, args=[review_round.slug, version.use_case.slug, version.number])

    def close_round(self):
        self.round = close_round(self.round)

    def submit(self, review_round, version):
        """The reviewer submits a review of the version in the round: the relevant principle met."""
        review_save(
            reviewer=self.reviewer,
            review_round=review_round,
            version=version,
            verdicts=[VerdictInput(principle_id=self.relevant.pk, verdict="meets")],
            overall_comment="",
            expected_lock_version=0,
            submit=True,
        )


@pytest.fixture(scope="module")
def shared_review_world(django_db_setup, django_db_blocker):
    """Built once for each module's tests that ask for it (tests/database.py)."""
    with shared_by_module(django_db_blocker):
        yield ReviewWorld()


@pytest.fixture
def world(shared_review_world, db):
    return copy.deepcopy(shared_review_world)


@pytest.fixture
def unassigned_reviewer(db):
    """A reviewer whose organisation has nothing assigned."""
    return make_reviewer(email="unassigned@example.org")


@pytest.fixture
def other_organisation_reviewer(world):
    """A reviewer of another organisation, which reviews a different use case in the same round."""
    reviewer = make_reviewer(organisation=world.other_organisation, email="reviewer@nacro.example")
    make_assignment(review_round=world.round, version=make_version(), organisation=world.other_organisation)
    return reviewer


@pytest.fixture
def admin_user(db):
    from django.contrib.auth.models import Group

    from bold_portal.roles import ADMINS

    user = make_user(email="admin@bold.example")
    user.groups.add(Group.objects.get(name=ADMINS))
    return user


@pytest.fixture
def answers():
    """Form data for a complete review, as a browser would post it; keyword overrides change fields."""

    def build(**overrides):
        return {**COMPLETE_ANSWERS, **overrides}

    return build


COMPLETE_ANSWERS = {
    "relevant-verdict": "meets",
    "relevant-reason": "",
    "relevant-evidence": "",
    "relevant-suggested_rewording": "",
    "clear-verdict": "does_not_meet",
    "clear-reason": "It does not say who receives the data.",
    "clear-evidence": "The data flows table",
    "clear-suggested_rewording": "Name the receiving team.",
    "overall_comment": "Thank you.",
    "lock_version": "0",
    "action": "submit",
}
