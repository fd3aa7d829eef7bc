"""Which members review an organisation-wide assignment, as its lead chose (docs/reviewer-journey.md,
"Choosing who reviews"). No rows: the default, every active member but the leads, or the leads when
the organisation has nobody else."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChosenReviewer(models.Model):
    """One member a lead chose to review an organisation-wide assignment."""

    assignment = models.ForeignKey("reviews.Assignment", on_delete=models.CASCADE, related_name="chosen_reviewers")
    # A member who leaves the organisation is no longer chosen: their membership goes, and so does the row.
    membership = models.ForeignKey("audiences.Membership", on_delete=models.CASCADE, related_name="+")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chosen reviewer")
        verbose_name_plural = _("chosen reviewers")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "membership"],
                name="chosen_reviewer_unique",
                violation_error_message=_("This member is already chosen to review this use case."),
            )
        ]

    def __str__(self):
        return f"{self.membership} → {self.assignment}"

    def clean(self):
        if self.assignment_id and self.membership_id:
            if self.assignment.organisation_id is None:
                raise ValidationError(_("Only a use case given to a whole organisation has reviewers to choose."))
            if self.membership.organisation_id != self.assignment.organisation_id:
                raise ValidationError(_("Choose members of the organisation the use case is given to."))
