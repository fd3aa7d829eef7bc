from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience, Organisation
from bold_portal.compiled_reads import CompiledRead
from bold_portal.text import refuse_control_characters, text_limit
from principles.models import Principle

# The app's models, split by feature.
from reviews.models.chosen_reviewers import ChosenReviewer as ChosenReviewer
from reviews.models.decisions import Decision as Decision
from reviews.models.decisions import DecisionCondition as DecisionCondition
from reviews.models.kept_posts import KEPT_POST_MAX as KEPT_POST_MAX
from reviews.models.kept_posts import KeptReviewPost as KeptReviewPost
from reviews.models.progress_counts import GroupProgressCount as GroupProgressCount
from reviews.models.progress_counts import ProgressHeader as ProgressHeader
from reviews.models.progress_counts import ProgressScope as ProgressScope
from reviews.models.progress_counts import ReviewerItem as ReviewerItem
from reviews.models.progress_counts import RoundProgressCount as RoundProgressCount
from reviews.models.progress_counts import VersionProgressCount as VersionProgressCount
from reviews.models.progress_counts import VersionProgressOrder as VersionProgressOrder
from reviews.models.questions import QUESTION_TEXT_MAX as QUESTION_TEXT_MAX
from reviews.models.questions import Question as Question
from reviews.models.questions import QuestionAnswer as QuestionAnswer
from reviews.models.reminders import AssignmentReminder as AssignmentReminder
from reviews.models.review_links import ReviewLink as ReviewLink
from usecases.models import UseCase, UseCaseVersion

# The longest text each free-text field takes, in characters. The fields, the database's checks,
# the forms and the import all read them from here (docs/architecture.md, "Text the portal accepts").
ROUND_NAME_MAX = 200
ROUND_SLUG_MAX = 80
# A review's texts (each verdict's reason, evidence and suggested rewording, and the overall
# comment): a draft keeps up to REVIEW_TEXT_MAX, the database's ceiling, so that nothing a reviewer
# pasted is lost; submitting needs each within REVIEW_TEXT_SUBMIT_MAX, room for a considered answer
# that keeps a pasted document out of other reviewers' summaries.
REVIEW_TEXT_MAX = 20_000
REVIEW_TEXT_SUBMIT_MAX = 5_000
# The reasons and notes of declines, requests for more time and declared interests: enough to
# explain, short enough for the dashboards that list them.
REQUEST_TEXT_MAX = 2_000


def _kept_reference(model) -> models.ForeignKey:
    """An optional reference kept for the record: the row it names cannot be deleted while it does."""
    return models.ForeignKey(model, null=True, blank=True, on_delete=models.PROTECT, related_name="+")


def _limited_text(label, limit: int, *, blank: bool = True) -> models.TextField:
    return models.TextField(label, blank=blank, validators=[MaxLengthValidator(limit), refuse_control_characters])


class ReviewRound(models.Model):
    """A window in which chosen versions are reviewed under one rule."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=ROUND_NAME_MAX, validators=[refuse_control_characters])
    slug = models.SlugField(_("slug"), max_length=ROUND_SLUG_MAX, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    threshold = models.DecimalField(
        _("threshold"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text=_("A cell is a tick when meets is more than this share of meets plus does not meet."),
    )
    min_reviews = models.PositiveSmallIntegerField(
        _("minimum reviews"), default=2, help_text=_("Fewer verdicts than this and a cell shows not enough reviews.")
    )
    is_blind = models.BooleanField(
        _("blind"), default=True, help_text=_("Reviewers never see other reviewers' verdicts before submitting.")
    )
    show_aggregate_to_reviewers = models.BooleanField(
        _("show the aggregate to reviewers after they submit"), default=True
    )
    principles = models.ManyToManyField(Principle, related_name="rounds", verbose_name=_("principles"))
    # Audiences whose organisations' "does not meet" flags a cell for discussion on the matrix
    # pages. A reading aid for analysts: it never changes an outcome (docs/admin-rounds.md).
    flag_audiences = models.ManyToManyField(
        Audience, blank=True, related_name="flagging_rounds", verbose_name=_("audiences that flag cells")
    )
    versions = models.ManyToManyField(
        UseCaseVersion, through="RoundVersion", related_name="rounds", verbose_name=_("use case versions")
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    # When the round actually opened and closed, which may be before or after opens_on and
    # closes_on (the planned dates).
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Open on opens_on and close after closes_on by themselves (reviews.services.rounds.
    # rounds_follow_dates: beat in the full stack; without beat, when a page of the round is read).
    follows_dates = models.BooleanField(_("opens and closes on its dates"), default=False)
    # Set when the round closes, with its progress stored in ClosedRoundFigure; pages of a closed
    # round read those figures. False for a round closed before figures were stored.
    figures_frozen = models.BooleanField(default=False, editable=False)
    # Bumped whenever the rule, the principles or the versions change: every cell must be
    # recomputed, and a result computed under an older rule never overwrites a newer one.
    rule_version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "open", "closed"]),
                name="round_status_valid",
                violation_error_message=_("Choose draft, open or closed."),
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=0) & Q(threshold__lt=1),
                name="round_threshold_range",
                violation_error_message=_(
                    "Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_reviews__gte=1),
                name="round_min_reviews_positive",
                violation_error_message=_("Enter a minimum number of reviews of at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True) | Q(closes_on__isnull=True) | Q(closes_on__gte=models.F("opens_on")),
                name="round_closes_after_opening",
                violation_error_message=_("The closing date must be on or after the opening date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="round_closed_has_time",
                violation_error_message=_("A closed round must record when it closed."),
            ),
            text_limit("reviewround", "name", ROUND_NAME_MAX, _("A round's name")),
            text_limit("reviewround", "slug", ROUND_SLUG_MAX, _("A round's short name")),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def closed_on(self):
        """The day the round closed, if it has; else None. Pages show this, not the planned date."""
        return timezone.localdate(self.closed_at) if self.closed_at else None


class RoundVersion(models.Model):
    """A use case version taking part in a round, with the counter that orders its matrix cells.

    change_count goes up by one in the same transaction as every change that affects the
    version's cells (a review submitted, changed or withdrawn). A recompute reads it before
    aggregating and stores it with its result, so a slower, older recompute never overwrites a
    newer one. Reviews of different versions touch different rows, so they never wait on each other.
    """

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="round_versions")
    # A version that has been in a round is kept: its reviews and matrix cells refer to it.
    version = models.ForeignKey(UseCaseVersion, on_delete=models.PROTECT, related_name="round_versions")
    change_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("use case version in a round")
        verbose_name_plural = _("use case versions in rounds")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "version"],
                name="roundversion_unique",
                violation_error_message=_("This use case version is already in the round."),
            ),
        ]

    def __str__(self):
        return f"{self.version} in {self.round}"


class ClosedRoundFigure(models.Model):
    """A closed round's progress, stored by round_set_status as it closes, so later changes never move
    it (docs/admin-rounds.md, "Figures frozen at closing"): the whole round as the progress pages
    ("round") and the rounds page ("summary") count it, and each version, organisation and person."""

    class Scope(models.TextChoices):
        ROUND = "round", _("round")
        SUMMARY = "summary", _("rounds page")
        VERSION = "version", _("use case version")
        ORGANISATION = "organisation", _("organisation")
        PERSON = "person", _("person")

    # No index of its own: closedfigure_scope_idx begins with the round.
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="closed_figures", db_index=False)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    version = _kept_reference(UseCaseVersion)
    organisation = _kept_reference(Organisation)
    reviewer = _kept_reference(settings.AUTH_USER_MODEL)
    # An organisation's or a person's: how many use cases it was given, as the progress page lists it.
    versions = models.PositiveIntegerField(null=True, blank=True)
    expected = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField(default=0)
    # A version's earliest due date, as the progress table shows it.
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("closed round figure")
        verbose_name_plural = _("closed round figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["round", "summary"], version__isnull=True, organisation__isnull=True)
                & Q(reviewer__isnull=True)
                | Q(scope="version", version__isnull=False, organisation__isnull=True, reviewer__isnull=True)
                | Q(scope="organisation", version__isnull=True, organisation__isnull=False, reviewer__isnull=True)
                | Q(scope="person", version__isnull=True, organisation__isnull=True, reviewer__isnull=False),
                name="closed_figure_scope_matches",
                violation_error_message=_("A figure is for the whole round, one use case, organisation or person."),
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["organisation", "person"], versions__isnull=False)
                | (~Q(scope__in=["organisation", "person"]) & Q(versions__isnull=True)),
                name="closed_figure_versions_of_groups",
                violation_error_message=_("An organisation's or person's figure says how many use cases it was given."),
            ),
        ]
        # A closed round's progress page reads its organisations and people, or its versions.
        indexes = [models.Index(fields=["round", "scope"], name="closedfigure_scope_idx")]

    def __str__(self):
        return f"{self.round}: {self.scope} {self.submitted}/{self.expected}"


class Assignment(models.Model):
    """A version to review in a round, given to one reviewer or to a whole organisation."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignments")
    version = models.ForeignKey(UseCaseVersion, on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewer__isnull=False, organisation__isnull=True)
                | Q(reviewer__isnull=True, organisation__isnull=False),
                name="assignment_reviewer_xor_organisation",
                violation_error_message=_("Assign the use case version to one person or one organisation, not both."),
            ),
            models.UniqueConstraint(
                fields=["round", "version", "reviewer"],
                condition=Q(reviewer__isnull=False),
                name="assignment_unique_reviewer",
                violation_error_message=_("This person is already assigned this use case version in the round."),
            ),
            models.UniqueConstraint(
                fields=["round", "version", "organisation"],
                condition=Q(organisation__isnull=False),
                name="assignment_unique_organisation",
                violation_error_message=_("This organisation is already assigned this use case version in the round."),
            ),
        ]

    def __str__(self):
        return f"{self.version} → {self.reviewer or self.organisation} ({self.round})"

    def clean(self):
        if (
            self.round_id
            and self.version_id
            and not RoundVersion.objects.filter(round_id=self.round_id, version_id=self.version_id).exists()
        ):
            raise ValidationError(
                {"version": _("This use case version is not part of the round. Add it to the round first.")}
            )
        if self.version_id and (self.organisation_id or self.reviewer_id):
            interest = blocking_interest(
                use_case_id=self.version.use_case_id, organisation=self.organisation, reviewer=self.reviewer
            )
            if interest:
                raise ValidationError(
                    _(
                        "%(organisation)s has declared an interest in this use case, so it cannot be given to "
                        "them or their members. A programme admin can override the declaration, with a reason."
                    )
                    % {"organisation": interest.organisation.name}
                )


class Review(models.Model):
    """One reviewer's review of one version in one round."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="reviews")
    version = models.ForeignKey(UseCaseVersion, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    # The organisation the reviewer reviewed for, kept for anonymised breakdowns.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    overall_comment = _limited_text(_("overall comment"), REVIEW_TEXT_MAX)
    # Optimistic lock: every save must name the version it started from.
    lock_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "version", "pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "version", "round"],
                name="review_unique_per_reviewer",
                violation_error_message=_("This person already has a review of this use case version in the round."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "withdrawn"]),
                name="review_status_valid",
                violation_error_message=_("A review is a draft, submitted or withdrawn."),
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="review_submitted_has_time",
                violation_error_message=_("A submitted review must record when it was submitted."),
            ),
            text_limit("review", "overall_comment", REVIEW_TEXT_MAX, _("An overall comment")),
        ]
        indexes = [
            # The matrix aggregates one round's (or one version's) submitted reviews.
            models.Index(fields=["round", "status", "version"], name="review_round_status_idx"),
            models.Index(fields=["round", "version", "status"], name="review_round_version_idx"),
        ]

    def __str__(self):
        return f"Review {self.pk} of {self.version} ({self.get_status_display()})"


class Verdict(models.Model):
    """A review's judgement of one principle. Blank while the review is a draft."""

    class Choice(models.TextChoices):
        MEETS = "meets", _("Meets the principle")
        DOES_NOT_MEET = "does_not_meet", _("Does not meet the principle")
        NOT_SURE = "not_sure", _("Not sure")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="verdicts")
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="verdicts")
    verdict = models.CharField(_("verdict"), max_length=20, choices=Choice.choices, blank=True)
    reason = _limited_text(_("reason"), REVIEW_TEXT_MAX)
    evidence = _limited_text(_("evidence"), REVIEW_TEXT_MAX)
    suggested_rewording = _limited_text(_("suggested rewording"), REVIEW_TEXT_MAX)
    # The reviewer's verdict on the same principle for an earlier version of the use case, whose
    # text this one repeats because the sections the principle reads did not change (carried
    # forward, docs/reviewer-journey.md). Kept while a verdict was carried from it: reviews are
    # never deleted, and a source that vanished would hide that this verdict was carried.
    carried_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
        verbose_name=_("carried forward from"),
    )

    class Meta:
        ordering = ["review", "principle__order"]
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "principle"],
                name="verdict_unique_per_principle",
                violation_error_message=_("A review has one verdict per principle."),
            ),
            models.CheckConstraint(
                condition=Q(verdict__in=["", "meets", "does_not_meet", "not_sure"]),
                name="verdict_choice_valid",
                violation_error_message=_("Choose meets, does not meet or not sure."),
            ),
            text_limit("verdict", "reason", REVIEW_TEXT_MAX, _("A verdict's reason")),
            text_limit("verdict", "evidence", REVIEW_TEXT_MAX, _("A verdict's evidence")),
            text_limit("verdict", "suggested_rewording", REVIEW_TEXT_MAX, _("A suggested rewording")),
            models.CheckConstraint(
                condition=Q(carried_from__isnull=True) | (~Q(carried_from=models.F("id")) & ~Q(verdict="")),
                name="verdict_carried_from_other_with_answer",
                violation_error_message=_("A verdict carried forward comes from another verdict, and has an answer."),
            ),
        ]

        # Covering index: the matrix aggregate reads verdicts by review without touching the table.
        indexes = [models.Index(fields=["review", "principle", "verdict"], name="verdict_aggregate_idx")]

    def __str__(self):
        return f"{self.principle}: {self.get_verdict_display() or '-'}"


class AssignmentRequest(models.Model):
    """A reviewer's request about an assignment: to decline it, or for more time. A decline takes
    effect at once (the assignment stops counting as expected) and stays open until the assignment
    is given to someone else; a request for more time waits for a lead or an admin to grant or
    refuse it. An assignment has at most one open request."""

    class Kind(models.TextChoices):
        DECLINE = "decline", _("Declined")
        MORE_TIME = "more_time", _("More time asked for")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a decision")
        GRANTED = "granted", _("More time given")
        REFUSED = "refused", _("More time refused")
        REASSIGNED = "reassigned", _("Given to someone else")
        CANCELLED = "cancelled", _("Cancelled by the person who asked")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = _limited_text(_("reason"), REQUEST_TEXT_MAX, blank=False)
    # For more time: the due date when asked, and the one asked for.
    due_on_before = models.DateField(_("due date when asked"), null=True, blank=True)
    requested_due_on = models.DateField(_("new due date asked for"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    # People are switched off, never deleted, so who asked and who decided stay known.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignment_requests"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignment_requests_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = _limited_text(_("why"), REQUEST_TEXT_MAX)
    # Set when the assignment is given to someone else (state "reassigned"): who it was given to
    # when this request was made, and who it went to, so the request keeps its history ("declined
    # by St Basils; given to Nacro on ...") however often the assignment moves afterwards.
    from_organisation = _kept_reference(Organisation)
    from_reviewer = _kept_reference(settings.AUTH_USER_MODEL)
    to_organisation = _kept_reference(Organisation)
    to_reviewer = _kept_reference(settings.AUTH_USER_MODEL)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("request about an assignment")
        verbose_name_plural = _("requests about assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["decline", "more_time"]),
                name="assignmentrequest_kind_valid",
                violation_error_message=_("A request declines an assignment or asks for more time."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "granted", "refused", "reassigned", "cancelled"]),
                name="assignmentrequest_state_valid",
                violation_error_message=_("A request is open, granted, refused, cancelled or closed by reassigning."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="assignmentrequest_has_reason",
                violation_error_message=_("Give a reason."),
            ),
            models.CheckConstraint(
                condition=Q(kind="more_time", requested_due_on__isnull=False)
                | Q(kind="decline", requested_due_on__isnull=True),
                name="assignmentrequest_date_for_more_time",
                violation_error_message=_("A request for more time names the new due date; a decline does not."),
            ),
            models.CheckConstraint(
                condition=Q(kind="more_time") | Q(state__in=["open", "reassigned"]),
                name="assignmentrequest_decline_states",
                violation_error_message=_("A decline stays open until the use case is given to someone else."),
            ),
            models.CheckConstraint(
                condition=Q(state="open", decided_at__isnull=True) | (~Q(state="open") & Q(decided_at__isnull=False)),
                name="assignmentrequest_decided_has_time",
                violation_error_message=_("A decided request records when it was decided."),
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state="open"),
                name="assignmentrequest_one_open",
                violation_error_message=_("There is already a request about this use case waiting for a decision."),
            ),
            text_limit("assignmentrequest", "reason", REQUEST_TEXT_MAX, _("A request's reason")),
            text_limit("assignmentrequest", "decision_note", REQUEST_TEXT_MAX, _("A note on a decision")),
        ]
        indexes = [models.Index(fields=["assignment", "kind", "state"], name="assignmentrequest_lookup_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.assignment}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def state_label(self) -> str:
        return self.get_state_display()


def cancellable_by(request, user, *, waiting_only: bool = True) -> bool:
    """Whether this person may cancel the request (an AssignmentRequest, or anything with its kind,
    state and requested_by_id): a request for more time, by whoever made it, while it waits (with
    waiting_only False, whatever its state: the service then says it was answered already). A
    decline is not cancelled: it ends when the use case is given to someone else."""
    return (
        request.kind == AssignmentRequest.Kind.MORE_TIME
        and (request.state == AssignmentRequest.State.OPEN or not waiting_only)
        and getattr(user, "is_authenticated", False)
        and request.requested_by_id == user.pk
    )


class DeclaredInterestQuerySet(models.QuerySet):
    def standing(self):
        """Declarations not withdrawn: the matrix marks reviews from these organisations."""
        return self.filter(withdrawn_at__isnull=True)

    def blocking(self):
        """Standing and not overridden: these organisations may not be given the use case or review it."""
        return self.filter(withdrawn_at__isnull=True, overridden_at__isnull=True)


class DeclaredInterest(models.Model):
    """An organisation's declared interest in a use case (for example, a contract with the body
    that would receive the data). While it stands, the organisation and its members are not given
    the use case to review and cannot open a review of it, unless a programme admin overrides it
    with a recorded reason. Withdrawn declarations are kept for the record."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="declared_interests")
    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="declared_interests")
    reason = _limited_text(_("reason"), REQUEST_TEXT_MAX, blank=False)
    # People are switched off, never deleted; a loader or command may act without a person.
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)
    override_reason = _limited_text(_("why the organisation may review it all the same"), REQUEST_TEXT_MAX)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Why an admin withdrew a declaration whose organisation's reviews were counted in a closed round.
    withdraw_reason = _limited_text(_("why it was withdrawn"), REQUEST_TEXT_MAX)
    # The assignments declaring took away (round, version, reviewer, organisation, due date), so that
    # withdrawing or overriding the declaration can give them back.
    assignments_removed = models.JSONField(_("assignments taken away"), default=list, blank=True, editable=False)

    objects = DeclaredInterestQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at", "-pk"]
        verbose_name = _("declared interest")
        verbose_name_plural = _("declared interests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="declaredinterest_has_reason",
                violation_error_message=_("Say what the interest is."),
            ),
            models.CheckConstraint(
                condition=Q(overridden_at__isnull=True, override_reason="")
                | (Q(overridden_at__isnull=False) & ~Q(override_reason="")),
                name="declaredinterest_override_has_reason",
                violation_error_message=_("An override records why the organisation may review the use case."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "use_case"],
                condition=Q(withdrawn_at__isnull=True),
                name="declaredinterest_one_standing",
                violation_error_message=_("This organisation has already declared an interest in this use case."),
            ),
            text_limit("declaredinterest", "reason", REQUEST_TEXT_MAX, _("A declared interest")),
            text_limit("declaredinterest", "override_reason", REQUEST_TEXT_MAX, _("The reason for an override")),
            text_limit("declaredinterest", "withdraw_reason", REQUEST_TEXT_MAX, _("The reason for a withdrawal")),
        ]

    def __str__(self):
        return f"{self.organisation}: {self.use_case}"

    @property
    def is_overridden(self) -> bool:
        return self.overridden_at is not None


def blocking_interest(*, use_case_id: int, organisation=None, reviewer=None) -> "DeclaredInterest | None":
    """The declared interest, not overridden, that stops this organisation (or a person, through
    any organisation they belong to) from reviewing the use case; None if there is none."""
    if organisation is not None:
        return next(
            iter(_blocking_interests(use_case_id=use_case_id, organisations=Q(organisation=organisation))), None
        )
    if reviewer is not None:
        return next(iter(_BLOCKING_FOR_MEMBER.objects(use_case_id=use_case_id, reviewer_id=reviewer.pk)), None)
    return None


def _blocking_interests(*, use_case_id: int, organisations: Q):
    return (
        DeclaredInterest.objects.blocking()
        .filter(organisations, use_case_id=use_case_id)
        .select_related("organisation")
        .order_by("pk")[:1]
    )


# Every reviewer page asks this of its reader: compiled once (bold_portal.compiled_reads).
_BLOCKING_FOR_MEMBER = CompiledRead(
    lambda use_case_id, reviewer_id: _blocking_interests(
        use_case_id=use_case_id, organisations=Q(organisation__memberships__user_id=reviewer_id)
    )
)
