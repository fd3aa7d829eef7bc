"""Small builders for test data. Each takes keyword overrides and saves to the database."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from audiences.models import Audience, Membership, Organisation
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS
from principles.models import Principle
from reviews.models import Assignment, ReviewRound, Verdict
from reviews.services.reviews import VerdictInput, review_save
from reviews.services.rounds import round_set_status
from usecases.models import UseCase, UseCaseVersion

_seq = itertools.count(1)

# Everyone the builders make signs in with this password.
PASSWORD = "correct-horse-battery"


def make_user(*, email=None, password=PASSWORD, **extra):
    n = next(_seq)
    email = email or f"person{n}@example.org"
    return get_user_model().objects.create_user(email=email, password=password, **extra)


def make_in_group(group_name: str, **extra):
    user = make_user(**extra)
    user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    return user


def make_analyst(**extra):
    return make_in_group(ANALYSTS, **extra)


def make_admin(**extra):
    return make_in_group(ADMINS, **extra)


def make_author(**extra):
    return make_in_group(AUTHORS, **extra)


def make_audience(**extra):
    n = next(_seq)
    defaults = {"name": f"Audience {n}", "slug": f"audience-{n}", "display_order": n}
    return Audience.objects.create(**{**defaults, **extra})


def make_organisation(*, audiences=(), **extra):
    n = next(_seq)
    defaults = {"name": f"Organisation {n}", "slug": f"organisation-{n}"}
    organisation = Organisation.objects.create(**{**defaults, **extra})
    organisation.audiences.set(audiences)
    return organisation


def make_reviewer(*, organisation=None, role=Membership.Role.REVIEWER, **extra):
    user = make_user(**extra)
    Membership.objects.create(user=user, organisation=organisation or make_organisation(), role=role)
    return user


def make_principle(**extra):
    n = next(_seq)
    defaults = {"name": f"Principle {n}", "slug": f"principle-{n}", "order": n, "question": f"Question {n}?"}
    return Principle.objects.create(**{**defaults, **extra})


def make_version(*, use_case=None, audience=None, number=1, **extra):
    n = next(_seq)
    use_case = use_case or UseCase.objects.create(
        audience=audience or make_audience(), slug=f"use-case-{n}", display_order=n
    )
    defaults = {
        "title": f"Use case {n}",
        "impact_statement": "Why this matters.",
        "research_questions": "What helps?\nWhat does not?",
        "data_flows": [{"information": "Housing status", "from": "Councils", "to": "BOLD analysts"}],
        "will_do": "Use anonymised data only",
        "wont_do": "Make decisions about individuals",
    }
    return UseCaseVersion.objects.create(use_case=use_case, number=number, **{**defaults, **extra})


def make_round(*, principles=None, versions=(), status=ReviewRound.Status.OPEN, **extra):
    n = next(_seq)
    defaults = {"name": f"Round {n}", "slug": f"round-{n}", "status": status}
    if status == ReviewRound.Status.CLOSED:
        defaults["closed_at"] = timezone.now()
    review_round = ReviewRound.objects.create(**{**defaults, **extra})
    review_round.principles.set(principles if principles is not None else [make_principle(), make_principle()])
    review_round.versions.set(versions)
    return review_round


def close_round(review_round):
    """Close the round as the admin's service does, recording when."""
    return round_set_status(review_round=review_round, status=ReviewRound.Status.CLOSED, actor=None)


def make_assignment(*, review_round, version, reviewer=None, organisation=None, **extra):
    review_round.versions.add(version)
    return Assignment.objects.create(
        round=review_round, version=version, reviewer=reviewer, organisation=organisation, **extra
    )


def make_submitted_review(
    *, review_round, version, principle, verdict=Verdict.Choice.MEETS, reviewer=None, expected_lock_version=0
):
    """A review of the version submitted through the service, with one verdict on the principle (by
    a new reviewer unless one is given); expected_lock_version for a reviewer's later save."""
    return review_save(
        reviewer=reviewer or make_reviewer(),
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=principle.pk, verdict=verdict, reason="Because")],
        overall_comment="",
        expected_lock_version=expected_lock_version,
        submit=True,
    )
