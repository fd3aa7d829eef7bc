"""The principle matrix, stored as rows: one header per round, one row per use case version in
the round, one cell per (version, principle). Written only by matrix.services, in SQL."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bold_portal.text import refuse_control_characters, text_limit
from principles.models import Principle
from principles.rule import OUTCOMES
from reviews.models import ReviewRound
from usecases.models import UseCaseVersion


class Matrix(models.Model):
    """A round's matrix header: when it was last written, and how often (recomputes are counted
    here rather than audited: they are the system's bookkeeping, not anybody's decision)."""

    round = models.OneToOneField(ReviewRound, on_delete=models.CASCADE, related_name="matrix")
    computed_at = models.DateTimeField(_("last computed at"), null=True, blank=True)
    version_recomputes = models.PositiveIntegerField(_("use case recomputes"), default=0)
    round_recomputes = models.PositiveIntegerField(_("whole-round recomputes"), default=0)
    # The round's rule (ReviewRound.rule_version) the cells were last computed under: behind the
    # round's after a change of rule, until a whole-round recompute brings every cell up to it.
    rule_version = models.PositiveIntegerField(_("rule computed under"), default=0)
    # Counts the recomputes that changed what agreement is measured from (a row claimed, a cell
    # written or removed). The agreement figures are current when they were measured at this count
    # (agreement_generation); None: never measured.
    generation = models.PositiveBigIntegerField(_("changes of the cells"), default=0)
    agreement_generation = models.PositiveBigIntegerField(_("agreement measured at change"), null=True, blank=True)
    # When the stored agreement figures began to be measured: with a worker, the next refresh is
    # due MATRIX_AGREEMENT_DELAY_SECONDS after it (matrix.tasks), so a round is measured at most
    # once in that time however many changes and readings ask for it. None: never measured.
    agreement_measured_at = models.DateTimeField(_("agreement last measured at"), null=True, blank=True)

    class Meta:
        verbose_name = _("matrix")
        verbose_name_plural = _("matrices")

    def __str__(self):
        return f"Matrix of {self.round}"


class MatrixRow(models.Model):
    """One use case version's row: which change of its reviews its cells were computed from. A
    recompute claims the row only with a newer change count (the rule is on the header)."""

    # No index of its own: matrixrow_unique and matrixrow_batch_idx both begin with the round.
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey(UseCaseVersion, on_delete=models.CASCADE, related_name="+")
    change_count = models.PositiveIntegerField()
    computed_at = models.DateTimeField()
    # A random number naming the recompute that last claimed the row, so that it writes the
    # cells of exactly the rows it claimed.
    batch = models.BigIntegerField()

    class Meta:
        verbose_name = _("matrix row")
        verbose_name_plural = _("matrix rows")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "version"],
                name="matrixrow_unique",
                violation_error_message=_("A use case version has one row in a round's matrix."),
            )
        ]
        indexes = [models.Index(fields=["round", "batch"], name="matrixrow_batch_idx")]

    def __str__(self):
        return f"{self.version} in {self.round} (change {self.change_count})"


class MatrixCell(models.Model):
    """A cell: a version's submitted verdicts on one principle in a round, and the outcome."""

    # No index of the round's, the version's or the principle's own: matrixcell_unique and
    # matrixcell_outcome_idx both begin with the round, every read of cells names their rounds (the
    # authors' pages too, which read a use case's cells in the rounds it is in), and nothing reads
    # cells by principle alone.
    # On PostgreSQL the round and the version are checked together, as the cell's row: one
    # composite foreign key (round, version) to MatrixRow's matrixrow_unique, cascading, added by
    # migration 0015 (Django cannot declare it), whose own keys check the round and the version.
    # Every cell has its row, and a round's first computation checks one key fewer per cell.
    round = models.ForeignKey(
        ReviewRound, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    version = models.ForeignKey(
        UseCaseVersion, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    principle = models.ForeignKey(Principle, on_delete=models.CASCADE, related_name="+", db_index=False)
    meets = models.PositiveIntegerField()
    does_not_meet = models.PositiveIntegerField()
    not_sure = models.PositiveIntegerField()
    # How many of the counted verdicts were carried forward from the reviewer's earlier version.
    carried = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=12)

    class Meta:
        verbose_name = _("matrix cell")
        verbose_name_plural = _("matrix cells")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "version", "principle"],
                name="matrixcell_unique",
                violation_error_message=_("A use case version has one cell per principle in a round's matrix."),
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=OUTCOMES),
                name="matrixcell_outcome_valid",
                violation_error_message=_("A cell is a tick, a cross or not enough reviews."),
            ),
        ]
        # Filters and column totals of the matrix page: one round's cells by principle and outcome.
        indexes = [models.Index(fields=["round", "principle", "outcome"], name="matrixcell_outcome_idx")]

    def __str__(self):
        return f"{self.version} / {self.principle}: {self.outcome}"


class MatrixExport(models.Model):
    """One analyst's request for a round's matrix in one format, and, once made, the file.

    The file is kept in the database (a BinaryField), not in file storage: the web and worker
    processes may run on different machines and share only PostgreSQL, and a matrix export is
    small (kilobytes to a few megabytes: a PDF holds at most settings.EXPORT_PDF_MAX_USE_CASES use
    cases). The verdicts CSV, which grows with every verdict of the round, is never kept: it is
    streamed to the person as it is written. Exports are deleted a week after they were requested
    (matrix.services.EXPORT_KEEP), when their requester next asks for one and by the nightly purge.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be made")

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+", verbose_name=_("round"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    # An identifier from matrix.exporters.registry.EXPORTERS (checked by matrix_export_request, not a
    # choice list, so that adding a format needs no migration).
    exporter = models.CharField(_("format"), max_length=30)
    # The matrix page's view the file holds, as that page's validated filter query (audience,
    # outcome, principle, mark, search, sort, direction; no page number); empty: the whole round.
    # The export task validates it again against the round as it is then.
    view_query = models.TextField(_("view of the matrix"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    content = models.BinaryField(_("file"), null=True, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error_message = models.TextField(_("what went wrong"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("matrix export")
        verbose_name_plural = _("matrix exports")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "running", "ready", "failed"]),
                name="matrixexport_status_valid",
                violation_error_message=_("An export is waiting to start, being prepared, ready or could not be made."),
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(content__isnull=False, finished_at__isnull=False),
                name="matrixexport_ready_has_file",
                violation_error_message=_("A ready export must have its file and the time it was finished."),
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | (Q(finished_at__isnull=False) & ~Q(error_message="")),
                name="matrixexport_failed_says_why",
                violation_error_message=_("An export that could not be made must say why and when it stopped."),
            ),
        ]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="matrixexport_requester_idx")]

    def __str__(self):
        return f"{self.exporter} export of {self.round} ({self.get_status_display()})"


class MatrixAgreement(models.Model):
    """How far a round's reviewers agree, as Krippendorff's alpha (nominal: meets or does not
    meet; "not sure" counts as no answer), per principle and (principle None) for the whole
    round; written by matrix.services.matrix_agreement_refresh, which notes on the round's Matrix
    the generation it measured. alpha is None when it is undefined: too few reviewers answered the
    same use case, or every answer was the same."""

    matrix = models.ForeignKey(Matrix, on_delete=models.CASCADE, related_name="agreements")
    # None for the whole round; a principle removed from the round takes its row with it.
    principle = models.ForeignKey(Principle, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    alpha = models.FloatField(_("Krippendorff's alpha"), null=True, blank=True)
    # What the figure rests on: reviewers who decided on a use case that someone else decided on
    # too, and use cases with at least two such verdicts (on the principle, or any principle).
    reviewers = models.PositiveIntegerField(_("reviewers"))
    use_cases = models.PositiveIntegerField(_("use cases"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("matrix agreement")
        verbose_name_plural = _("matrix agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["matrix", "principle"],
                name="matrixagreement_unique_principle",
                violation_error_message=_("A matrix has one agreement figure per principle."),
            ),
            models.UniqueConstraint(
                fields=["matrix"],
                condition=Q(principle__isnull=True),
                name="matrixagreement_unique_round",
                violation_error_message=_("A matrix has one agreement figure for the whole round."),
            ),
            models.CheckConstraint(
                condition=Q(alpha__isnull=True) | Q(alpha__lte=1),
                name="matrixagreement_alpha_at_most_one",
                violation_error_message=_("Krippendorff's alpha is at most 1."),
            ),
        ]

    def __str__(self):
        return f"Agreement in {self.matrix} on {self.principle or 'the whole round'}: {self.alpha}"


API_TOKEN_NAME_MAX = 100


class ApiToken(models.Model):
    """A key an analyst made for their own tools to read the API (docs/api.md). Only a SHA-256
    hash of the secret is kept, with a short prefix of it that identifies the token in lists; the
    secret itself is shown once, when the token is made. Every token expires, and can be revoked."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=API_TOKEN_NAME_MAX, validators=[refuse_control_characters])
    prefix = models.CharField(_("prefix"), max_length=20, editable=False)
    key_hash = models.CharField(_("hash of the key"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
                violation_error_message=_("A token must expire after it was created."),
            ),
            text_limit("apitoken", "name", API_TOKEN_NAME_MAX, _("A token's name")),
        ]
        indexes = [models.Index(fields=["owner", "created_at"], name="apitoken_owner_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class FeedbackRelease(models.Model):
    """A programme admin let the authors read a round's feedback before it closed. Authors read a
    round's feedback once it has closed, or once it has one of these."""

    round = models.OneToOneField(ReviewRound, on_delete=models.CASCADE, related_name="feedback_release")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(_("released at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback release")
        verbose_name_plural = _("feedback releases")

    def __str__(self):
        return f"Feedback of {self.round} released"


# The authors' answer to one reason: room for what changed and why, short enough to read beside a diff.
RESPONSE_TEXT_MAX = 2_000


class ReasonResponse(models.Model):
    """ "You said, we did": the authors' answer to one "does not meet" verdict of a submitted review,
    once the round's feedback is open to them (docs/authors.md): what changed in the use case, or why
    nothing did. The organisations that reviewed read it beside the next version's diff. One per
    verdict; revision counts its saves, so two authors answering at once cannot overwrite each other
    unseen."""

    class Kind(models.TextChoices):
        CHANGED = "changed", _("We changed the use case")
        NOT_CHANGED = "not_changed", _("We did not change it")

    verdict = models.OneToOneField("reviews.Verdict", on_delete=models.CASCADE, related_name="response")
    kind = models.CharField(_("what the authors did"), max_length=12, choices=Kind.choices)
    text = models.TextField(
        _("what changed, or why not"),
        validators=[MaxLengthValidator(RESPONSE_TEXT_MAX), refuse_control_characters],
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("answer to a reason")
        verbose_name_plural = _("answers to reasons")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["changed", "not_changed"]),
                name="reasonresponse_kind_valid",
                violation_error_message=_("Say whether you changed the use case."),
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="reasonresponse_has_text",
                violation_error_message=_("Say what changed, or why not."),
            ),
            text_limit("reasonresponse", "text", RESPONSE_TEXT_MAX, _("An answer to a reason")),
        ]

    def __str__(self):
        return f"Answer to verdict {self.verdict_id}"
