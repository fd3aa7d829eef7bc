"""The principle matrix, stored as rows: one header per round, one row per use case version in
the round, one cell per (version, principle). Written only by matrix.services, in SQL."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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

    class Meta:
        verbose_name = _("matrix")
        verbose_name_plural = _("matrices")

    def __str__(self):
        return f"Matrix of {self.round}"


class MatrixRow(models.Model):
    """One use case version's row: which change of its reviews (and which rule of the round) its
    cells were computed from. A recompute claims the row only with a newer (rule, change) pair."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(UseCaseVersion, on_delete=models.CASCADE, related_name="+")
    change_count = models.PositiveIntegerField()
    rule_version = models.PositiveIntegerField()
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

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(UseCaseVersion, on_delete=models.CASCADE, related_name="+")
    principle = models.ForeignKey(Principle, on_delete=models.CASCADE, related_name="+")
    meets = models.PositiveIntegerField()
    does_not_meet = models.PositiveIntegerField()
    not_sure = models.PositiveIntegerField()
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
