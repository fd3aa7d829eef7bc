"""Builders shared by the analysts' page tests: people in each role, reviews submitted through the
service, and a round of any size made with bulk_create (for the query-count tests)."""

import io
import itertools
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from audiences.models import Audience, Membership
from matrix.models import Matrix, MatrixCell, MatrixRow
from principles.rule import CROSS, INSUFFICIENT, TICK
from reviews.models import RoundVersion
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import make_audience, make_organisation, make_principle, make_reviewer, make_round
from usecases.models import UseCase, UseCaseVersion

_seq = itertools.count(1)


def make_lead(**extra):
    return make_reviewer(role=Membership.Role.LEAD, **extra)


def submit(reviewer, review_round, version, verdicts: dict, *, organisation=None):
    """Submit a review as the review form does: verdicts maps a principle to a verdict, or to a
    (verdict, reason, evidence, suggested rewording) tuple."""
    inputs = []
    for principle, answer in verdicts.items():
        verdict, reason, evidence, rewording = (answer, "", "", "") if isinstance(answer, str) else answer
        if verdict != "meets" and not reason:
            reason = "It needs more thought."
        inputs.append(
            VerdictInput(
                principle_id=principle.pk,
                verdict=verdict,
                reason=reason,
                evidence=evidence,
                suggested_rewording=rewording,
            )
        )
    return review_save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=inputs,
        overall_comment="",
        expected_lock_version=0,
        submit=True,
        organisation=organisation or reviewer.memberships.first().organisation,
    )


def load_demo(django_capture_on_commit_callbacks):
    """The report's demo data, with the matrices its load queues computed (their tasks run on commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_bold_report", demo_accounts=True, stdout=io.StringIO())


OUTCOME_CYCLE = (TICK, CROSS, TICK, INSUFFICIENT, CROSS)


def make_large_round(size: int, *, principles=4, audiences=4):
    """A round of `size` use case versions spread over audiences, with a stored cell per version
    and principle, made in a few bulk inserts."""
    run = next(_seq)
    audience_rows = [make_audience(name=f"Bulk audience {run}-{i}", slug=f"bulk-{run}-{i}") for i in range(audiences)]
    principle_rows = [make_principle(slug=f"bulk-principle-{run}-{i}", order=i) for i in range(principles)]
    review_round = make_round(principles=principle_rows, slug=f"bulk-round-{run}", name=f"Bulk round {run}")
    use_cases = UseCase.objects.bulk_create(
        UseCase(audience=audience_rows[i % audiences], slug=f"bulk-{run}-use-case-{i}", display_order=i)
        for i in range(size)
    )
    versions = UseCaseVersion.objects.bulk_create(
        UseCaseVersion(
            use_case=use_case,
            number=1,
            title=f"Bulk use case {i}",
            impact_statement="Why.",
            research_questions="What?",
            will_do="Use anonymised data",
            wont_do="Decide about people",
        )
        for i, use_case in enumerate(use_cases)
    )
    # Every version's row computed from change 0 while its reviews are at change 1: behind until
    # mark_computed. A cell needs its row (on PostgreSQL a foreign key).
    RoundVersion.objects.bulk_create(
        RoundVersion(round=review_round, version=version, change_count=1) for version in versions
    )
    now = timezone.now()
    MatrixRow.objects.bulk_create(
        MatrixRow(round=review_round, version=version, change_count=0, computed_at=now, batch=0) for version in versions
    )
    MatrixCell.objects.bulk_create(
        MatrixCell(
            round=review_round,
            version=version,
            principle=principle,
            meets=3,
            does_not_meet=1,
            not_sure=0,
            outcome=OUTCOME_CYCLE[(i + j) % len(OUTCOME_CYCLE)],
        )
        for i, version in enumerate(versions)
        for j, principle in enumerate(principle_rows)
    )
    Matrix.objects.update_or_create(round=review_round, defaults={"computed_at": now})
    return review_round, audience_rows, principle_rows


def small_world():
    """One open round, two principles, one use case version assigned to an organisation of four:
    enough for every page to have something to show."""
    audience = make_audience(name="Homelessness")
    organisation = make_organisation(name="Crisis", audiences=[audience])
    relevant = make_principle(name="Relevant", slug="relevant", order=1)
    clear = make_principle(name="Clear and informative", slug="clear", order=2)
    review_round = make_round(principles=[relevant, clear], slug="spring", threshold=Decimal("0.50"))
    return Audience.objects.get(pk=audience.pk), organisation, relevant, clear, review_round


def mark_computed(review_round, version_ids) -> None:
    """Say the round's stored cells of these versions were computed from their newest change under the
    round's rule, as a recompute would (matrix.selectors.cells.matrix_state): they are not being updated."""
    now = timezone.now()
    Matrix.objects.update_or_create(
        round=review_round, defaults={"computed_at": now, "rule_version": review_round.rule_version}
    )
    counters = dict(
        RoundVersion.objects.filter(round=review_round, version_id__in=version_ids).values_list(
            "version_id", "change_count"
        )
    )
    MatrixRow.objects.bulk_create(
        (
            MatrixRow(
                round=review_round, version_id=version_id, change_count=counters[version_id], computed_at=now, batch=0
            )
            for version_id in version_ids
        ),
        update_conflicts=True,
        unique_fields=["round", "version"],
        update_fields=["change_count", "computed_at"],
    )
