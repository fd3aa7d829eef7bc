"""A round's progress counts, stored so that its pages sum a few small rows instead of rebuilding
the round's expected (version, person) pairs on every request (docs/architecture.md, "Progress
counts"). Derived data: reviews.services.progress_counts recomputes them from scratch, per version
or for the whole round, and nothing else writes them. Closed rounds keep their frozen
ClosedRoundFigure rows; these are not read for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from usecases.models import VERSION_TITLE_MAX


class ProgressScope(models.TextChoices):
    # Per version: the distinct (version, person) pairs the round expects, by each pair's earliest due date.
    VERSION = "version", _("use case version")
    # Per version, one row: what the rounds page counts (pairs with people asked in person who have
    # left since; every submitted review of the version).
    SUMMARY = "summary", _("summary")
    # An organisation-wide assignment, or an assignment in person, of the version.
    ORGANISATION = "organisation", _("organisation")
    PERSON = "person", _("person")
    # For an organisation's lead: one active member expected to review the version, through the
    # organisation or in person (one row per version and member; per due date in the round's rows).
    MEMBER = "member", _("member")
    # For an organisation's lead, one row per version given to it or to its active members in
    # person (not declined): how many of its members are expected, and by when the earliest.
    MEMBERS = "members", _("members")


class ProgressHeader(models.Model):
    """One row per round whose counts have been computed: the lock that refreshes of the round take
    turns on, and when its last whole-round refresh ran. No row: the counts were never computed,
    and the pages count live."""

    round = models.OneToOneField("reviews.ReviewRound", primary_key=True, on_delete=models.CASCADE, related_name="+")
    # When the last whole-round refresh ran (the first refresh of a round is always one).
    refreshed_at = models.DateTimeField()
    # Refreshes since the first, whole or of some versions.
    refreshes = models.PositiveIntegerField(default=0)
    # The day the round's VersionProgressOrder rows count overdue reviews as of. The dashboard
    # reads them only when it is today; no day: they were never counted.
    ordered_on = models.DateField(null=True)

    class Meta:
        verbose_name = _("round progress header")
        verbose_name_plural = _("round progress headers")

    def __str__(self):
        return f"Progress counts of round {self.round_id}"


class VersionProgressCount(models.Model):
    """Counts within one version of a round: for the version (one row per due date), the summary,
    or one organisation's or person's assignment of it. expected/submitted: expected reviews, and
    those of them submitted."""

    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("usecases.UseCaseVersion", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=12, choices=ProgressScope.choices)
    organisation = models.ForeignKey("audiences.Organisation", null=True, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True)
    expected = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField()
    # A members row's version's title (versions never change), so that the lead's page orders its
    # use cases by due date and title from one index, not sorting the round's rows joined to titles.
    # Copied by the refresh, never typed: the version's own title carries the text's limits.
    title = models.CharField(max_length=VERSION_TITLE_MAX, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("version progress count")
        verbose_name_plural = _("version progress counts")
        indexes = [
            # A refresh replaces the rows of some versions of a round.
            models.Index(fields=["round", "version"], name="versionprogress_round_version"),
            # The pages' sums over a round's rows of one scope read these indexes alone (PostgreSQL
            # keeps the counted columns in them; other databases index the keys only).
            models.Index(
                fields=["round", "version"],
                include=["due_on", "expected", "submitted"],
                condition=Q(scope="version"),
                name="versionprogress_version_sums",
            ),
            models.Index(
                fields=["round"],
                include=["expected", "submitted"],
                condition=Q(scope="summary"),
                name="versionprogress_summary_sums",
            ),
            # A refresh sums one organisation's or person's rows of the round.
            models.Index(fields=["round", "organisation"], name="versionprogress_organisation"),
            models.Index(fields=["round", "reviewer"], name="versionprogress_reviewer"),
            # A refresh sums one member's rows of the round.
            models.Index(
                fields=["round", "organisation", "reviewer"],
                include=["due_on", "expected", "submitted"],
                condition=Q(scope="member"),
                name="versionprogress_member_sums",
            ),
            # The page's order, read in order (a page is the index's next 20 entries).
            models.Index(
                fields=["round", "organisation", "due_on", "title", "version"],
                include=["expected", "submitted"],
                condition=Q(scope="members"),
                name="versionprogress_lead_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["version", "summary"], organisation__isnull=True, reviewer__isnull=True)
                | Q(scope__in=["organisation", "members"], organisation__isnull=False, reviewer__isnull=True)
                | Q(scope="person", organisation__isnull=True, reviewer__isnull=False)
                | Q(scope="member", organisation__isnull=False, reviewer__isnull=False),
                name="versionprogress_scope_group",
                violation_error_message=_(
                    "A version's counts are for the version, or one organisation, person or member."
                ),
            ),
            models.CheckConstraint(
                condition=Q(submitted__lte=models.F("expected")) | Q(scope="summary"),
                name="versionprogress_submitted_lte_expected",
                violation_error_message=_("More reviews submitted than expected."),
            ),
        ]

    def __str__(self):
        return f"{self.scope} counts of version {self.version_id} in round {self.round_id}"


class VersionProgressOrder(models.Model):
    """One row per version of a round whose counts are stored: the progress dashboard's "by use
    case" list, so that a page of it is the next 25 entries of an index in its order (overdue
    first, then the most outstanding, then by title) rather than a sort of every version. The sums
    of the version's VersionProgressCount rows of scope "version"; overdue counted as of its round's
    ProgressHeader.ordered_on, as a day passes the order changes (reviews.tasks.reorder_progress)."""

    # Not indexed alone: the unique constraint's index starts with it.
    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="+", db_index=False)
    version = models.ForeignKey("usecases.UseCaseVersion", on_delete=models.CASCADE, related_name="+")
    # The version's title (versions never change), copied by the refresh, never typed.
    title = models.CharField(max_length=VERSION_TITLE_MAX, editable=False)
    due_on = models.DateField(null=True)
    expected = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("version progress order")
        verbose_name_plural = _("version progress orders")
        indexes = [
            models.Index(
                models.F("round"),
                models.F("overdue").desc(),
                (models.F("expected") - models.F("submitted")).desc(),
                models.F("title"),
                models.F("version"),
                name="versionprogressorder_page",
            ),
        ]
        constraints = [
            # Also the index a refresh replaces the rows of some versions of a round by.
            models.UniqueConstraint(
                fields=["round", "version"],
                name="versionprogressorder_once",
                violation_error_message=_("A use case version is listed once in a round's progress."),
            ),
            models.CheckConstraint(
                condition=Q(submitted__lte=models.F("expected"))
                & Q(overdue__lte=models.F("expected") - models.F("submitted")),
                name="versionprogressorder_counts",
                violation_error_message=_("More reviews submitted or overdue than expected."),
            ),
        ]

    def __str__(self):
        return f"Progress order of version {self.version_id} in round {self.round_id}"


class RoundProgressCount(models.Model):
    """The round's counts, one row per scope (version or summary) and due date: the sums of its
    VersionProgressCount rows of that scope, so that a page's round totals read a few rows however
    many versions the round has."""

    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=12, choices=ProgressScope.choices)
    due_on = models.DateField(null=True)
    expected = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("round progress count")
        verbose_name_plural = _("round progress counts")
        indexes = [models.Index(fields=["round", "scope"], name="roundprogress_round_scope")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["version", "summary"]),
                name="roundprogress_scope",
                violation_error_message=_("A round's counts are of its versions or its summary."),
            ),
        ]

    def __str__(self):
        return f"{self.scope} counts of round {self.round_id}"


class GroupProgressCount(models.Model):
    """An organisation's (its organisation-wide assignments), a person's (assignments in person) or
    an organisation member's (for the lead's page) counts over the round, one row per due date: the
    sums of its VersionProgressCount rows. versions: its assignments with that due date, declined
    ones included (a member's: the versions they are expected to review)."""

    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=12, choices=ProgressScope.choices)
    organisation = models.ForeignKey("audiences.Organisation", null=True, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True)
    versions = models.PositiveIntegerField()
    expected = models.PositiveIntegerField()
    submitted = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("group progress count")
        verbose_name_plural = _("group progress counts")
        indexes = [models.Index(fields=["round", "scope"], name="groupprogress_round_scope")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="organisation", organisation__isnull=False, reviewer__isnull=True)
                | Q(scope="person", organisation__isnull=True, reviewer__isnull=False)
                | Q(scope="member", organisation__isnull=False, reviewer__isnull=False),
                name="groupprogress_scope_group",
                violation_error_message=_("A group's counts are for one organisation, person or member."),
            ),
        ]

    def __str__(self):
        return f"{self.scope} counts in round {self.round_id}"


class ReviewerItem(models.Model):
    """One use case of a round on a person's My reviews (reviews.selectors.my_reviews): a version
    given to them in person or through any organisation they belong to, counted once, due on the
    earliest of those assignments' dates, declined only when every one of them is, and whether
    their review is submitted. Stored so that the page reads a round's page as the next entries of
    an index in its order, and its figures from the person's rows of the round."""

    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("usecases.UseCaseVersion", on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True)
    declined = models.BooleanField()
    submitted = models.BooleanField()
    # The version's title in lower case, for the page's order (versions never change). Copied by
    # the refresh, never typed; in byte order on PostgreSQL, as the live statement orders it
    # (migration 0022 gives the column the "C" collation there).
    title = models.CharField(max_length=VERSION_TITLE_MAX, editable=False)

    class Meta:
        verbose_name = _("reviewer's item")
        verbose_name_plural = _("reviewers' items")
        indexes = [
            # An open round's page, in its order: a page is the index's next 20 entries, and the
            # figures count the person's entries of the round.
            models.Index(
                fields=["reviewer", "round", "submitted", "due_on", "title", "version"],
                condition=Q(declined=False),
                name="revieweritem_page_order",
            ),
            # The declined list, and each round's count of declined use cases.
            models.Index(
                fields=["reviewer", "round", "title", "version"],
                condition=Q(declined=True),
                name="revieweritem_declined",
            ),
        ]
        constraints = [
            # Also the index a refresh replaces the rows of some versions of a round by.
            models.UniqueConstraint(
                fields=["round", "version", "reviewer"],
                name="revieweritem_once",
                violation_error_message=_("A use case is listed once for each person in a round."),
            ),
        ]

    def __str__(self):
        return f"Version {self.version_id} for person {self.reviewer_id} in round {self.round_id}"
