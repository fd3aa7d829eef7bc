"""The reminders sent about assignments (docs/email.md, "Reminders: at most once, never twice")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AssignmentReminder(models.Model):
    """A reminder email about one assignment, to one person, of one kind: at most one ever.

    Written and committed before the email is sent, so a crash between the two loses that
    reminder but a rerun never sends it twice. batch names the run that wrote the row: a run sends
    only the rows it inserted itself (docs/email.md)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due in three days")
        DUE_TODAY = "due_today", _("Due today")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    assignment = models.ForeignKey("reviews.Assignment", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    due_on = models.DateField(_("due"))
    batch = models.UUIDField(db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment reminder")
        verbose_name_plural = _("assignment reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "assignment", "kind"],
                name="reminder_once_per_person_assignment_kind",
                violation_error_message=_("This person has already been sent this reminder for this assignment."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["due_soon", "due_today"]),
                name="reminder_kind_valid",
                violation_error_message=_("A reminder is for a review due in three days or due today."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} reminder to {self.person} about {self.assignment}"
