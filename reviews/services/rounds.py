"""A review round from creation to closing (docs/admin-rounds.md): its settings and rule, the use
case versions in it, the check before it opens, opening and closing, and the round's shared lock
that every change of a review or an assignment takes first. Each change runs in one transaction
and writes an audit row."""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audiences.models import Audience
from bold_portal.compiled_reads import CompiledRead
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from bold_portal.queueing import queue_failure_log
from principles.models import Principle
from reviews import tasks
from reviews.models import Assignment, ClosedRoundFigure, Decision, Review, ReviewRound, RoundVersion
from reviews.selectors.progress import ShortVersions, round_figures_to_freeze, versions_short_of_reviewers
from reviews.selectors.rounds import organisations_without_reviewers
from reviews.signals import matrix_inputs_changed, progress_inputs_changed
from usecases.models import UseCaseVersion

logger = logging.getLogger(__name__)


def round_inputs_changed(review_round: ReviewRound) -> None:
    """The round's rule, principles or versions changed: every cell is recomputed under the new rule."""
    ReviewRound.objects.filter(pk=review_round.pk).update(rule_version=F("rule_version") + 1)
    review_round.refresh_from_db(fields=["rule_version"])
    matrix_inputs_changed.send(sender=ReviewRound, round_id=review_round.pk, version_id=None)


def round_read_shared(round_id: int, *, read: CompiledRead | None = None, **annotations) -> ReviewRound:
    """The round, read for a change of a review or an assignment: the first lock such a change
    takes. On PostgreSQL a shared row lock: any number of changes hold it together, while closing
    the round (an UPDATE of the row) waits for them, and a change that starts after a close reads
    the round closed. SQLite serialises writing transactions (IMMEDIATE mode, see settings), which
    gives the same guarantee. annotations (expressions, as for QuerySet.annotate) are read in the
    same statement, so that a change's first checks cost no statements of their own.

    read: for a change made on every submit, the same read compiled once (bold_portal.compiled_reads,
    with lock_shared); its values are round_id and annotations, which are then numbers or text."""
    if read is not None:
        found = read.objects(round_id=round_id, **annotations)
        if not found:
            raise ReviewRound.DoesNotExist
        return found[0]
    rounds = ReviewRound.objects.filter(pk=round_id).order_by().annotate(**annotations)
    if connection.vendor != "postgresql":
        return rounds.get()
    sql, params = rounds.query.sql_with_params()
    table = connection.ops.quote_name(ReviewRound._meta.db_table)
    # The ORM's own statement, locked; the model's own table name (hence the nosec comment for bandit's B608).
    found = list(ReviewRound.objects.raw(f"{sql} FOR SHARE OF {table}", params))  # nosec
    if not found:
        raise ReviewRound.DoesNotExist
    return found[0]


def round_create(
    *,
    name: str,
    slug: str,
    principles: Sequence[Principle],
    versions: Sequence[UseCaseVersion] = (),
    actor,
    **fields,
) -> ReviewRound:
    """Create a round in draft with its principles and versions. fields are the round's other
    settings (threshold, min_reviews, is_blind, show_aggregate_to_reviewers, opens_on, closes_on)."""
    review_round = ReviewRound(name=name, slug=slug, status=ReviewRound.Status.DRAFT, **fields)
    review_round.full_clean()
    if problem := follows_dates_problem(review_round):
        raise ValidationError({"follows_dates": problem})
    if not principles:
        raise ValidationError({"principles": _("Choose at least one principle for the round.")})
    with transaction.atomic():
        review_round.save()
        review_round.principles.set(principles)
        RoundVersion.objects.bulk_create([RoundVersion(round=review_round, version=v) for v in versions])
        audit(
            actor=actor,
            action="round_created",
            obj=review_round,
            before={},
            after={
                **_round_record(review_round),
                "principles": [p.slug for p in principles],
                "versions": [v.pk for v in versions],
            },
        )
    return review_round


def follows_dates_problem(review_round: ReviewRound) -> str | None:
    if review_round.follows_dates and not (review_round.opens_on and review_round.closes_on):
        return _("Enter an opening date and a closing date for the round to open and close on them")
    return None


def _round_record(review_round: ReviewRound) -> dict:
    return {
        "name": review_round.name,
        "status": review_round.status,
        "threshold": str(review_round.threshold),
        "min_reviews": review_round.min_reviews,
        "is_blind": review_round.is_blind,
        "show_aggregate_to_reviewers": review_round.show_aggregate_to_reviewers,
        "follows_dates": review_round.follows_dates,
    }


def round_rule_change(*, review_round: ReviewRound, threshold: Decimal, min_reviews: int, actor) -> ReviewRound:
    """Change how a round's cells are decided; every cell is recomputed under the new rule."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        before = {"threshold": str(review_round.threshold), "min_reviews": review_round.min_reviews}
        if problems := round_rule_problems(threshold=threshold, min_reviews=min_reviews):
            raise ValidationError(problems)
        review_round.threshold, review_round.min_reviews = threshold, min_reviews
        review_round.full_clean()
        review_round.save(update_fields=["threshold", "min_reviews"])
        round_inputs_changed(review_round)
        after = {"threshold": str(review_round.threshold), "min_reviews": review_round.min_reviews}
        audit(actor=actor, action="round_rule_changed", obj=review_round, before=before, after=after)
    return review_round


def round_flag_rule_change(*, review_round: ReviewRound, audiences: Sequence[Audience], actor) -> ReviewRound:
    """Choose the audiences whose organisations' "does not meet" flags a cell for discussion
    (none: nothing is flagged). Allowed in any state, even while the round is open or once it has
    closed: flags only point analysts at cells to talk about and never change an outcome, so no
    cell is recomputed."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        chosen = {audience.pk for audience in audiences}
        known = set(Audience.objects.filter(pk__in=chosen).values_list("pk", flat=True))
        if chosen - known:
            raise ValidationError({"audiences": _("Choose audiences from the list.")})
        before = sorted(review_round.flag_audiences.values_list("slug", flat=True))
        review_round.flag_audiences.set(known)
        after = sorted(Audience.objects.filter(pk__in=known).values_list("slug", flat=True))
        audit(
            actor=actor,
            action="round_flag_rule_changed",
            obj=review_round,
            before={"flag_audiences": before},
            after={"flag_audiences": after},
        )
    return review_round


ROUND_STATUS_ACTIONS = {
    ReviewRound.Status.OPEN: "round_opened",
    ReviewRound.Status.CLOSED: "round_closed",
    ReviewRound.Status.DRAFT: "round_returned_to_draft",
}


def round_set_status(
    *, review_round: ReviewRound, status: str, actor, closed_at: datetime.datetime | None = None
) -> ReviewRound:
    """Open or close a round (or return it to draft). Opening records when (opened_at); closing
    records when (now, unless closed_at says when a round recorded after the fact closed), and
    freezes its reviews: the update waits for saves in progress, and no save is accepted after it."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        previous = {
            "status": review_round.status,
            "opened_at": audit_value(review_round.opened_at),
            "closed_at": audit_value(review_round.closed_at),
        }
        if status not in ReviewRound.Status.values:
            raise ValidationError({"status": _("Choose draft, open or closed.")})
        if (
            previous["status"] == ReviewRound.Status.CLOSED
            and status != ReviewRound.Status.CLOSED
            and Decision.objects.filter(round_version__round=review_round).exists()
        ):
            raise ValidationError(_("Decisions have been recorded on this round's use cases, so it stays closed."))
        review_round.status = status
        if status == ReviewRound.Status.OPEN:
            review_round.opened_at = timezone.now()
        elif status == ReviewRound.Status.DRAFT:
            review_round.opened_at = None
        review_round.closed_at = (closed_at or timezone.now()) if status == ReviewRound.Status.CLOSED else None
        # A closed round's progress figures are stored now, in this transaction, and its pages read
        # them from then on; a round taken out of closed counts live again.
        # Overdue counts as at the day it closed.
        if previous["status"] != ReviewRound.Status.CLOSED or status != ReviewRound.Status.CLOSED:
            ClosedRoundFigure.objects.filter(round=review_round).delete()
            review_round.figures_frozen = status == ReviewRound.Status.CLOSED
            if review_round.figures_frozen:
                ClosedRoundFigure.objects.bulk_create(
                    round_figures_to_freeze(review_round, on=timezone.localdate(review_round.closed_at))
                )
        review_round.full_clean()
        review_round.save(update_fields=["status", "opened_at", "closed_at", "figures_frozen"])
        # Stored progress counts: dropped when its figures are frozen, counted again when it reopens.
        progress_inputs_changed.send(sender=ReviewRound, round_id=review_round.pk, version_ids=None)
        audit(
            actor=actor,
            action=ROUND_STATUS_ACTIONS[status],
            obj=review_round,
            before=previous,
            after={
                "status": status,
                "opened_at": audit_value(review_round.opened_at),
                "closed_at": audit_value(review_round.closed_at),
            },
        )
    return review_round


def round_rule_problems(*, threshold: Decimal, min_reviews: int) -> dict[str, str]:
    """What is wrong with a round's rule, by field, in words for the person who set it."""
    problems = {}
    if not Decimal(0) <= Decimal(threshold) < Decimal(1):
        problems["threshold"] = _("Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority.")
    if min_reviews < 1:
        problems["min_reviews"] = _("Enter a minimum number of reviews of at least 1.")
    return problems


# Rows written per INSERT by the bulk services (the round's versions here, assignments by audience):
# large rounds (2,000 versions x 30 organisations) stay within every database's limit on query
# parameters.
BULK_BATCH_SIZE = 500


def _refuse_unless_draft(review_round: ReviewRound, message: str) -> None:
    if review_round.status != ReviewRound.Status.DRAFT:
        raise ValidationError(message)


def round_settings_change(
    *,
    review_round: ReviewRound,
    name: str,
    slug: str,
    principles: Sequence[Principle],
    threshold: Decimal,
    min_reviews: int,
    is_blind: bool,
    show_aggregate_to_reviewers: bool,
    opens_on: datetime.date | None,
    closes_on: datetime.date | None,
    follows_dates: bool = False,
    actor,
) -> ReviewRound:
    """Change a draft round's settings. Once a round has opened only its rule changes, through
    round_rule_change, so that reviewers are never judged under settings they did not see."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(
            review_round, _("This round has opened: only its threshold and minimum number of reviews can change.")
        )
        if not principles:
            raise ValidationError({"principles": _("Choose at least one principle for the round.")})
        if problems := round_rule_problems(threshold=threshold, min_reviews=min_reviews):
            raise ValidationError(problems)
        before = {**_round_record(review_round), "slug": review_round.slug}
        before_principles = sorted(review_round.principles.values_list("slug", flat=True))
        review_round.name, review_round.slug = name, slug
        review_round.threshold, review_round.min_reviews = threshold, min_reviews
        review_round.is_blind, review_round.show_aggregate_to_reviewers = is_blind, show_aggregate_to_reviewers
        review_round.opens_on, review_round.closes_on = opens_on, closes_on
        review_round.follows_dates = follows_dates
        review_round.full_clean()
        if problem := follows_dates_problem(review_round):
            raise ValidationError({"follows_dates": problem})
        review_round.save()
        review_round.principles.set(principles)
        after = {**_round_record(review_round), "slug": review_round.slug}
        after_principles = sorted(p.slug for p in principles)
        rule_changed = (before["threshold"], before["min_reviews"], before_principles) != (
            after["threshold"],
            after["min_reviews"],
            after_principles,
        )
        if rule_changed:
            round_inputs_changed(review_round)
        audit(
            actor=actor,
            action="round_settings_changed",
            obj=review_round,
            before={**before, "principles": before_principles},
            after={**after, "principles": after_principles},
        )
    return review_round


@dataclass(frozen=True)
class RoundVersionsChanged:
    added: int
    removed: int


def round_versions_change(
    *, review_round: ReviewRound, add: Sequence[int], remove: Sequence[int], actor
) -> RoundVersionsChanged:
    """Add and remove use case versions (by id) of a draft round, one page of choices at a
    time. Versions already in (or already out of) the round are skipped. Removing a version
    removes its assignments too: nobody has reviewed anything in a round that has not opened."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(review_round, _("This round has opened: its use cases can no longer change here."))
        add, remove = set(add), set(remove) - set(add)
        known = set(UseCaseVersion.objects.filter(pk__in=add | remove).values_list("pk", flat=True))
        if known != add | remove:
            raise ValidationError(_("A use case version you chose no longer exists. Reload the page and try again."))
        present = set(
            RoundVersion.objects.filter(round=review_round, version__in=add | remove).values_list(
                "version_id", flat=True
            )
        )
        to_add = sorted(add - present)
        to_remove = sorted(remove & present)
        if Review.objects.filter(round=review_round, version__in=to_remove).exists():
            raise ValidationError(_("A use case that has reviews cannot be taken out of the round."))
        RoundVersion.objects.bulk_create(
            [RoundVersion(round=review_round, version_id=pk) for pk in to_add], batch_size=BULK_BATCH_SIZE
        )
        Assignment.objects.filter(round=review_round, version__in=to_remove).delete()
        RoundVersion.objects.filter(round=review_round, version__in=to_remove).delete()
        if to_add or to_remove:
            round_inputs_changed(review_round)
            audit(actor=actor, action="round_versions_changed", obj=review_round, added=to_add, removed=to_remove)
    return RoundVersionsChanged(added=len(to_add), removed=len(to_remove))


def round_versions_add_matching(*, review_round: ReviewRound, versions, actor) -> int:
    """Add every version of a queryset (the versions matching a filter) to a draft round in bulk,
    skipping those already in it. Returns how many were added. One audit row."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(review_round, _("This round has opened: its use cases can no longer change here."))
        present = RoundVersion.objects.filter(round=review_round).values("version_id")
        to_add = list(versions.exclude(pk__in=present).order_by("pk").values_list("pk", flat=True))
        RoundVersion.objects.bulk_create(
            [RoundVersion(round=review_round, version_id=pk) for pk in to_add], batch_size=BULK_BATCH_SIZE
        )
        if to_add:
            round_inputs_changed(review_round)
            audit(actor=actor, action="round_versions_changed", obj=review_round, added=to_add, removed=[])
    return len(to_add)


@dataclass(frozen=True)
class OpeningProblems:
    """Why a round cannot open yet. Each is counted here; the check page names the versions."""

    versions_without_assignment: int = 0
    no_versions: bool = False
    no_principles: bool = False
    closes_in_the_past: bool = False

    @property
    def messages(self) -> list[str]:
        messages = []
        if self.no_versions:
            messages.append(_("The round has no use cases. Choose the use case versions to review."))
        if self.versions_without_assignment:
            messages.append(
                ngettext(
                    "%(count)d use case version is not given to anyone to review.",
                    "%(count)d use case versions are not given to anyone to review.",
                    self.versions_without_assignment,
                )
                % {"count": self.versions_without_assignment}
            )
        if self.no_principles:
            messages.append(_("The round has no principles. Choose at least one principle in its settings."))
        if self.closes_in_the_past:
            messages.append(_("The closing date is in the past. Change it in the round's settings."))
        return messages

    def __bool__(self) -> bool:
        return bool(self.messages)


def round_opening_problems(review_round: ReviewRound) -> OpeningProblems:
    """What stops the round from opening, in three queries whatever its size."""
    versions = RoundVersion.objects.filter(round=review_round)
    return OpeningProblems(
        versions_without_assignment=versions.exclude(
            version__in=Assignment.objects.filter(round=review_round).values("version_id")
        ).count(),
        no_versions=not versions.exists(),
        no_principles=not review_round.principles.exists(),
        closes_in_the_past=bool(review_round.closes_on and review_round.closes_on < timezone.localdate()),
    )


@dataclass(frozen=True)
class OpeningWarnings:
    """What would let the round open but leave it short of reviewers, or open it early: the round
    opens only when the admin confirms (open_anyway). Each names what it is about."""

    organisations_without_members: list[str] = field(default_factory=list)
    organisations_without_lead: list[str] = field(default_factory=list)
    short_versions: ShortVersions = field(default_factory=lambda: ShortVersions(count=0, first=[]))
    min_reviews: int = 0
    opens_on: datetime.date | None = None

    @property
    def messages(self) -> list[str]:
        messages = []
        if names := self.organisations_without_members:
            messages.append(
                ngettext(
                    "%(count)d organisation has nobody to review: %(names)s. Invite members or give its use "
                    "cases to someone else.",
                    "%(count)d organisations have nobody to review: %(names)s. Invite members or give their use "
                    "cases to someone else.",
                    len(names),
                )
                % {"count": len(names), "names": ", ".join(names)}
            )
        if names := self.organisations_without_lead:
            messages.append(
                ngettext(
                    "%(count)d organisation has no lead to follow its reviews: %(names)s.",
                    "%(count)d organisations have no lead to follow their reviews: %(names)s.",
                    len(names),
                )
                % {"count": len(names), "names": ", ".join(names)}
            )
        if count := self.short_versions.count:
            named = ", ".join(version.title for version in self.short_versions.first)
            more = count - len(self.short_versions.first)
            messages.append(
                ngettext(
                    "%(count)d use case version expects fewer reviews than the round's minimum of %(minimum)d, "
                    "so it will show not enough reviews: %(names)s",
                    "%(count)d use case versions expect fewer reviews than the round's minimum of %(minimum)d, "
                    "so they will show not enough reviews: %(names)s",
                    count,
                )
                % {"count": count, "minimum": self.min_reviews, "names": named}
                + (_(" and %(more)d more.") % {"more": more} if more else ".")
            )
        if self.opens_on:
            messages.append(
                _("The round is set to open on %(date)s, which is in the future.")
                % {"date": date_format(self.opens_on, "j F Y")}
            )
        return messages

    def __bool__(self) -> bool:
        return bool(self.messages)


def round_opening_warnings(review_round: ReviewRound) -> OpeningWarnings:
    """What the admin must confirm before the round opens, in two queries whatever its size."""
    organisations = organisations_without_reviewers(review_round)
    today = timezone.localdate()
    return OpeningWarnings(
        organisations_without_members=[name for name, has_member, _lead in organisations if not has_member],
        organisations_without_lead=[
            name for name, has_member, has_lead in organisations if has_member and not has_lead
        ],
        short_versions=versions_short_of_reviewers(review_round),
        min_reviews=review_round.min_reviews,
        opens_on=review_round.opens_on if review_round.opens_on and review_round.opens_on > today else None,
    )


def round_open(
    *, review_round: ReviewRound, actor, email_people: bool = True, open_anyway: bool = False
) -> ReviewRound:
    """Open a draft round for reviewing, if nothing stops it (round_opening_problems) and either
    nothing needs confirming (round_opening_warnings) or the admin confirmed (open_anyway);
    otherwise ValidationError with every reason, in words. Once committed, everyone the round
    expects a review from is emailed, unless email_people is False (people told another way, such
    as the demo data's sign-ins, which are printed)."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        _refuse_unless_draft(review_round, _("Only a round in draft can be opened."))
        if problems := round_opening_problems(review_round):
            raise ValidationError(problems.messages)
        warnings = round_opening_warnings(review_round)
        if warnings and not open_anyway:
            raise ValidationError(warnings.messages, code="confirm")
        review_round = round_set_status(review_round=review_round, status=ReviewRound.Status.OPEN, actor=actor)
        if warnings:
            audit(actor=actor, action="round_opened_anyway", obj=review_round, warnings=warnings.messages)
        if email_people:
            _round_emails_queue("round_opened_emails", review_round)
    return review_round


def _round_emails_queue(task_name: str, review_round: ReviewRound) -> None:
    """Once the round's change commits, a task emails everyone concerned (reviews/emails.py), so
    the admin's request does not wait for one email per reviewer."""
    round_id = review_round.pk

    def queue():
        try:
            getattr(tasks, task_name).delay(round_id)
        except Exception as error:
            queue_failure_log(logger, error, "Could not queue %s for round %s", task_name, round_id)

    transaction.on_commit(queue)


@dataclass(frozen=True)
class RoundClosed:
    review_round: ReviewRound
    # People who left a draft in the round: it stays private to them and is not counted.
    draft_authors: list


def round_draft_authors(review_round: ReviewRound) -> list:
    """The people with a draft (never submitted) review in the round, by email."""
    authors = Review.objects.filter(round=review_round, status=Review.Status.DRAFT).values("reviewer_id")
    return list(get_user_model().objects.filter(pk__in=authors).order_by("email"))


def round_close(*, review_round: ReviewRound, actor) -> RoundClosed:
    """Close an open round: round_set_status records when. Drafts left in it stay private to their
    authors and never count; one round_drafts_left audit row lists those authors. Once committed,
    everyone who reviewed or was asked to is emailed, draft authors told that theirs did not count."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(of=("self",)).get(pk=review_round.pk)
        if review_round.status != ReviewRound.Status.OPEN:
            raise ValidationError(_("Only an open round can be closed."))
        review_round = round_set_status(review_round=review_round, status=ReviewRound.Status.CLOSED, actor=actor)
        authors = round_draft_authors(review_round)
        if authors:
            audit(
                actor=actor,
                action="round_drafts_left",
                obj=review_round,
                reviewers=[author.pk for author in authors],
                count=len(authors),
            )
        _round_emails_queue("round_closed_emails", review_round)
    return RoundClosed(review_round=review_round, draft_authors=authors)
