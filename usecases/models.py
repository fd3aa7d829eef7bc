from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience, Organisation
from principles.models import Principle


class UseCase(models.Model):
    """A proposed use of linked data for one audience; its content lives in numbered versions."""

    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="use_cases")
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    display_order = models.PositiveSmallIntegerField(_("order within audience"), default=0)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo text written for illustration, not a pilot's own.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audience__display_order", "display_order", "slug"]
        verbose_name = _("use case")
        verbose_name_plural = _("use cases")

    def __str__(self):
        latest = self.latest_version
        return latest.title if latest else self.slug

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


class UseCaseVersion(models.Model):
    """An immutable, numbered draft of a use case. Reviews attach to a version."""

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    impact_statement = models.TextField(
        _("why this matters"), help_text=_("Leads the use case: why this matters to the people concerned.")
    )
    research_questions = models.TextField(_("research questions"), help_text=_("One question per line."))
    data_flows = models.JSONField(
        _("data flows"),
        default=list,
        help_text=_('A list of {"information": ..., "from": ..., "to": ...}: what goes from whom to whom.'),
    )
    will_do = models.TextField(_("what BOLD will do"), help_text=_("One point per line."))
    wont_do = models.TextField(_("what BOLD will not do"), help_text=_("One point per line."))
    change_summary = models.TextField(_("what changed from the last version"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["use_case", "number"]
        verbose_name = _("use case version")
        verbose_name_plural = _("use case versions")
        constraints = [
            models.UniqueConstraint(fields=["use_case", "number"], name="usecaseversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="usecaseversion_number_positive"),
        ]

    def __str__(self):
        return f"{self.title} (v{self.number})"

    def save(self, *args, **kwargs):
        # Versions are immutable; the database refuses updates too (see migration 0002).
        if self.pk and not self._state.adding:
            raise ValidationError(_("A use case version cannot be changed. Create a new version instead."))
        super().save(*args, **kwargs)

    def clean(self):
        flows = self.data_flows
        if not isinstance(flows, list) or not all(
            isinstance(f, dict) and {"information", "from", "to"} <= f.keys() for f in flows
        ):
            raise ValidationError({"data_flows": _('Give a list of flows, each with "information", "from" and "to".')})

    @property
    def research_question_list(self):
        return [line.strip() for line in self.research_questions.splitlines() if line.strip()]

    @property
    def will_do_list(self):
        return [line.strip() for line in self.will_do.splitlines() if line.strip()]

    @property
    def wont_do_list(self):
        return [line.strip() for line in self.wont_do.splitlines() if line.strip()]


class ReviewRound(models.Model):
    """A window in which chosen versions are reviewed under one rule."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
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
    versions = models.ManyToManyField(UseCaseVersion, related_name="rounds", verbose_name=_("use case versions"))
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    # Bumped in the same transaction as every review change; a snapshot older than this is stale.
    last_changed_at = models.DateTimeField(_("last change"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["draft", "open", "closed"]), name="round_status_valid"),
            models.CheckConstraint(condition=Q(threshold__gte=0) & Q(threshold__lt=1), name="round_threshold_range"),
            models.CheckConstraint(condition=Q(min_reviews__gte=1), name="round_min_reviews_positive"),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True) | Q(closes_on__isnull=True) | Q(closes_on__gte=models.F("opens_on")),
                name="round_closes_after_opening",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


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
            ),
            models.UniqueConstraint(
                fields=["round", "version", "reviewer"],
                condition=Q(reviewer__isnull=False),
                name="assignment_unique_reviewer",
            ),
            models.UniqueConstraint(
                fields=["round", "version", "organisation"],
                condition=Q(organisation__isnull=False),
                name="assignment_unique_organisation",
            ),
        ]

    def __str__(self):
        return f"{self.version} → {self.reviewer or self.organisation} ({self.round})"


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
    overall_comment = models.TextField(_("overall comment"), blank=True)
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
            models.UniqueConstraint(fields=["reviewer", "version", "round"], name="review_unique_per_reviewer"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "withdrawn"]), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="review_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["round", "status"], name="review_round_status_idx")]

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
    reason = models.TextField(_("reason"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    suggested_rewording = models.TextField(_("suggested rewording"), blank=True)

    class Meta:
        ordering = ["review", "principle__order"]
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [
            models.UniqueConstraint(fields=["review", "principle"], name="verdict_unique_per_principle"),
            models.CheckConstraint(
                condition=Q(verdict__in=["", "meets", "does_not_meet", "not_sure"]), name="verdict_choice_valid"
            ),
        ]

    def __str__(self):
        return f"{self.principle}: {self.get_verdict_display() or '-'}"
