from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import EMAIL_MAX
from bold_portal.text import refuse_control_characters, text_limit

# The longest text each free-text field takes, in characters. The fields, the database's checks,
# the forms and the import all read them from here (docs/architecture.md, "Text the portal accepts").
AUDIENCE_NAME_MAX = 100
AUDIENCE_SLUG_MAX = 60
AUDIENCE_DESCRIPTION_MAX = 1_000  # who the audience is, in a sentence or two
ORGANISATION_NAME_MAX = 200
ORGANISATION_SLUG_MAX = 80
WEBSITE_MAX = 200


class Audience(models.Model):
    """One of the pilot audiences, such as people experiencing homelessness."""

    name = models.CharField(
        _("name"), max_length=AUDIENCE_NAME_MAX, unique=True, validators=[refuse_control_characters]
    )
    slug = models.SlugField(_("slug"), max_length=AUDIENCE_SLUG_MAX, unique=True)
    description = models.TextField(
        _("description"),
        blank=True,
        validators=[MaxLengthValidator(AUDIENCE_DESCRIPTION_MAX), refuse_control_characters],
    )
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    # The report colour-codes audiences; the colour is decoration and never the only signal.
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#505a5f",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hex digits."))],
    )
    # Archived audiences stay on everything that uses them but are no longer offered as a choice.
    is_archived = models.BooleanField(_("archived"), default=False)
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="authored_audiences",
        verbose_name=_("pilot team authors"),
        help_text=_("BOLD pilot team members who write use cases for this audience."),
    )

    class Meta:
        ordering = ["display_order", "name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$"),
                name="audience_colour_hex",
                violation_error_message=_("Enter a colour as # and six hex digits, such as #1d70b8."),
            ),
            text_limit("audience", "name", AUDIENCE_NAME_MAX, _("An audience's name")),
            text_limit("audience", "slug", AUDIENCE_SLUG_MAX, _("An audience's slug")),
            text_limit("audience", "description", AUDIENCE_DESCRIPTION_MAX, _("An audience's description")),
        ]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    """An intermediary organisation (a charity or public body) that speaks for an audience."""

    name = models.CharField(
        _("name"), max_length=ORGANISATION_NAME_MAX, unique=True, validators=[refuse_control_characters]
    )
    slug = models.SlugField(_("slug"), max_length=ORGANISATION_SLUG_MAX, unique=True)
    audiences = models.ManyToManyField(Audience, related_name="organisations", verbose_name=_("audiences served"))
    website = models.URLField(_("website"), max_length=WEBSITE_MAX, blank=True, validators=[refuse_control_characters])

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            text_limit("organisation", "name", ORGANISATION_NAME_MAX, _("An organisation's name")),
            text_limit("organisation", "slug", ORGANISATION_SLUG_MAX, _("An organisation's slug")),
            text_limit("organisation", "website", WEBSITE_MAX, _("An organisation's website address")),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's place in an organisation: a reviewer, or a lead who also manages its reviewers."""

    class Role(models.TextChoices):
        REVIEWER = "reviewer", _("Reviewer")
        LEAD = "lead", _("Organisation lead")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    # An organisation with people in it is not deleted by accident: remove the memberships first.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REVIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_user_organisation",
                violation_error_message=_("This person is already a member of the organisation."),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["reviewer", "lead"]),
                name="membership_role_valid",
                violation_error_message=_("Choose reviewer or organisation lead."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class Invitation(models.Model):
    """An emailed link that lets someone join an organisation as a reviewer or lead, or join BOLD
    staff (no organisation) as an analyst, author or programme admin.

    Only a hash of the link's token is stored, so a copy of the database cannot be used to join.
    The link works once and until expires_at, unless it was cancelled (by hand, or because a
    newer invitation went to the same address for the same place).
    """

    class Role(models.TextChoices):
        REVIEWER = "reviewer", _("Reviewer")
        LEAD = "lead", _("Organisation lead")
        ANALYST = "analyst", _("Analyst")
        AUTHOR = "author", _("Author")
        ADMIN = "admin", _("Programme admin")

    ORGANISATION_ROLES = ("reviewer", "lead")
    STAFF_ROLES = ("analyst", "author", "admin")

    email = models.EmailField(_("email address"), max_length=EMAIL_MAX, validators=[refuse_control_characters])
    # Pending invitations go with their organisation: they mean nothing without it. A staff
    # invitation has none.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REVIEWER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(organisation__isnull=False, role__in=["reviewer", "lead"])
                    | models.Q(organisation__isnull=True, role__in=["analyst", "author", "admin"])
                ),
                name="invitation_role_valid",
                violation_error_message=_(
                    "Choose reviewer or organisation lead for an organisation, or analyst, author or "
                    "programme admin for BOLD staff."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(accepted_at__lte=models.F("expires_at")),
                name="invitation_accepted_before_expiry",
                violation_error_message=_("An invitation cannot be accepted after it has expired."),
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(cancelled_at__isnull=True),
                name="invitation_not_accepted_and_cancelled",
                violation_error_message=_("An invitation that has been used cannot be cancelled."),
            ),
            text_limit("invitation", "email", EMAIL_MAX, _("An email address")),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()}, {self.place})"

    @property
    def place(self) -> str:
        """What the invitation is to: an organisation's name, or BOLD staff."""
        return self.organisation.name if self.organisation_id else str(_("BOLD programme staff"))

    @property
    def is_staff_invitation(self) -> bool:
        return self.organisation_id is None

    @property
    def is_expired(self) -> bool:
        return self.accepted_at is None and self.expires_at <= timezone.now()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()


class MemberReminder(models.Model):
    """A lead's reminder to a member of the reviews waiting for them: who sent it and when, shown
    on the lead's page. At most one a person a day from each organisation (the unique constraint,
    whichever of its leads sends it). Personal data: erased with the person, purged after
    RETENTION_MEMBER_REMINDERS_DAYS."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="member_reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_reminders")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"))
    sent_on = models.DateField(_("sent on"))

    class Meta:
        verbose_name = _("member reminder")
        verbose_name_plural = _("member reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "sent_on"],
                name="member_reminder_once_a_day",
                violation_error_message=_("This person has already been sent a reminder today."),
            ),
        ]

    def __str__(self):
        return f"Reminder to {self.user} ({self.organisation}, {self.sent_on})"
