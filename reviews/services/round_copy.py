"""A new round from a previous one (docs/admin-rounds.md): its principles, rule, flag
rule and settings, its use cases at each one's newest version, and who was asked to review
what, as a draft to check before opening. One transaction, one audit row."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max

from bold_portal.models import audit
from reviews.models import Assignment, DeclaredInterest, ReviewRound, RoundVersion
from reviews.services.rounds import BULK_BATCH_SIZE, round_create
from reviews.signals import progress_inputs_changed
from usecases.models import UseCaseVersion


def round_copy(
    *,
    source: ReviewRound,
    name: str,
    slug: str,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    actor,
) -> ReviewRound:
    """Copy source into a new draft round. Each use case comes in at its newest version; each
    organisation and each active person keeps the use cases they were given (not those an
    organisation has since declared an interest in), due on the new closing date, to change on the
    assign pages. Whether the round follows its dates is not copied: the admin chooses again."""
    newest_numbers = dict(
        UseCaseVersion.objects.filter(use_case__in=source.versions.values("use_case"))
        .values("use_case")
        .annotate(newest=Max("number"))
        .values_list("use_case", "newest")
    )
    newest = {
        version.use_case_id: version
        for version in UseCaseVersion.objects.filter(use_case__in=newest_numbers)
        if version.number == newest_numbers[version.use_case_id]
    }
    use_case_of = dict(RoundVersion.objects.filter(round=source).values_list("version_id", "version__use_case_id"))
    declared = set(DeclaredInterest.objects.blocking().values_list("organisation_id", "use_case_id"))
    active = set(get_user_model().objects.filter(is_active=True).values_list("pk", flat=True))
    with transaction.atomic():
        review_round = round_create(
            name=name,
            slug=slug,
            principles=list(source.principles.all()),
            versions=sorted(newest.values(), key=lambda version: version.pk),
            actor=actor,
            threshold=source.threshold,
            min_reviews=source.min_reviews,
            is_blind=source.is_blind,
            show_aggregate_to_reviewers=source.show_aggregate_to_reviewers,
            opens_on=opens_on,
            closes_on=closes_on,
        )
        review_round.flag_audiences.set(source.flag_audiences.all())
        pairs = set()
        for version_id, organisation_id, reviewer_id in Assignment.objects.filter(round=source).values_list(
            "version_id", "organisation_id", "reviewer_id"
        ):
            use_case_id = use_case_of.get(version_id)
            if use_case_id not in newest:
                continue
            if organisation_id and (organisation_id, use_case_id) in declared:
                continue
            if reviewer_id and reviewer_id not in active:
                continue
            pairs.add((newest[use_case_id].pk, organisation_id, reviewer_id))
        Assignment.objects.bulk_create(
            [
                Assignment(round=review_round, version_id=v, organisation_id=o, reviewer_id=r, due_on=closes_on)
                for v, o, r in sorted(pairs, key=lambda pair: (pair[0], pair[1] or 0, pair[2] or 0))
            ],
            batch_size=BULK_BATCH_SIZE,
        )
        progress_inputs_changed.send(sender=Assignment, round_id=review_round.pk, version_ids=None)
        audit(
            actor=actor,
            action="round_copied",
            obj=review_round,
            source=source.pk,
            versions=len(newest),
            assignments=len(pairs),
        )
    return review_round
