from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience, Organisation
from bold_portal.text import control_character, refuse_control_characters, text_limit

# The longest text each free-text field takes, in characters. The fields, the database's checks
# and the authoring pages all read them from here (docs/architecture.md, "Text the portal accepts").
USE_CASE_SLUG_MAX = 80
VERSION_TITLE_MAX = 200
VERSION_TEXT_MAX = 10_000  # each of: why this matters, research questions, will do, will not do
VERSION_CHANGE_SUMMARY_MAX = 5_000
DATA_FLOWS_MAX = 50  # flows in one version
DATA_FLOW_VALUE_MAX = 500  # characters in each flow's information, from and to
# The database's ceiling on the data flows as stored JSON text: the most flows with the longest
# values in plain letters fit (about 77,000 characters); so do most with accents and other scripts,
# which Django stores escaped, six characters for one.
DATA_FLOWS_JSON_MAX = 100_000


def _version_text(label, help_text, *, limit=VERSION_TEXT_MAX, blank=False) -> models.TextField:
    return models.TextField(
        label,
        help_text=help_text,
        blank=blank,
        validators=[MaxLengthValidator(limit), refuse_control_characters],
    )


CONCERNS = ("consent", "anonymity", "individual_impact", "security")
CONCERN_NAMES = {
    "consent": _("Consent"),
    "anonymity": _("Anonymity"),
    "individual_impact": _("Impact on individuals"),
    "security": _("Security and governance"),
}


def concern_limits(model: str) -> list:
    return [text_limit(model, name, VERSION_TEXT_MAX, CONCERN_NAMES[name]) for name in CONCERNS]


class UseCaseText:
    """How a version's text reads, for published versions and drafts alike (the preview shows a
    draft exactly as reviewers will see it)."""

    @property
    def research_question_list(self):
        return _lines(self.research_questions)

    @property
    def will_do_list(self):
        return _lines(self.will_do)

    @property
    def wont_do_list(self):
        return _lines(self.wont_do)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class UseCase(models.Model):
    """A proposed use of linked data for one audience; its content lives in numbered versions."""

    # No index of its own: usecase_audience_order begins with the audience.
    audience = models.ForeignKey(Audience, on_delete=models.PROTECT, related_name="use_cases", db_index=False)
    slug = models.SlugField(_("slug"), max_length=USE_CASE_SLUG_MAX, unique=True)
    display_order = models.PositiveSmallIntegerField(_("order within audience"), default=0)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Demo text written for illustration, not a pilot's own.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["audience__display_order", "display_order", "slug"]
        verbose_name = _("use case")
        verbose_name_plural = _("use cases")
        constraints = [text_limit("usecase", "slug", USE_CASE_SLUG_MAX, _("A use case's slug"))]
        # An audience's use cases in the matrix's order: a page of the matrix, and of the rounds
        # compared, reads its rows along it and stops at the page's last, instead of sorting every
        # use case of the round (matrix.selectors.matrix_page, matrix.selectors.comparison).
        indexes = [models.Index(fields=["audience", "display_order", "slug"], name="usecase_audience_order")]

    def __str__(self):
        latest = self.latest_version
        return latest.title if latest else self.slug

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


class UseCaseVersion(UseCaseText, models.Model):
    """An immutable, numbered draft of a use case. Reviews attach to a version."""

    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=VERSION_TITLE_MAX, validators=[refuse_control_characters])
    impact_statement = _version_text(
        _("why this matters"), _("Leads the use case: why this matters to the people concerned.")
    )
    research_questions = _version_text(_("research questions"), _("One question per line."))
    data_flows = models.JSONField(
        _("data flows"),
        default=list,
        help_text=_('A list of {"information": ..., "from": ..., "to": ...}: what goes from whom to whom.'),
    )
    will_do = _version_text(_("what BOLD will do"), _("One point per line."))
    wont_do = _version_text(_("what BOLD will not do"), _("One point per line."))
    # The four concerns the report asks every use case to answer; blank on versions written before
    # the portal asked for them.
    consent = _version_text(_("consent"), _("How consent is handled."), blank=True)
    anonymity = _version_text(_("anonymity"), _("How people are kept anonymous."), blank=True)
    individual_impact = _version_text(
        _("impact on individuals"),
        _("Whether anything is decided about one person, or only aggregate analysis."),
        blank=True,
    )
    security = _version_text(_("security and governance"), _("How the data is kept safe and overseen."), blank=True)
    change_summary = _version_text(
        _("what changed from the last version"), "", limit=VERSION_CHANGE_SUMMARY_MAX, blank=True
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["use_case", "number"]
        verbose_name = _("use case version")
        verbose_name_plural = _("use case versions")
        constraints = [
            models.UniqueConstraint(
                fields=["use_case", "number"],
                name="usecaseversion_unique_number",
                violation_error_message=_("This use case already has a version with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="usecaseversion_number_positive",
                violation_error_message=_("A version number is 1 or more."),
            ),
            text_limit("usecaseversion", "title", VERSION_TITLE_MAX, _("A use case's title")),
            text_limit("usecaseversion", "impact_statement", VERSION_TEXT_MAX, _("Why this matters")),
            text_limit("usecaseversion", "research_questions", VERSION_TEXT_MAX, _("The research questions")),
            text_limit("usecaseversion", "will_do", VERSION_TEXT_MAX, _("What BOLD will do")),
            text_limit("usecaseversion", "wont_do", VERSION_TEXT_MAX, _("What BOLD will not do")),
            *concern_limits("usecaseversion"),
            text_limit(
                "usecaseversion", "change_summary", VERSION_CHANGE_SUMMARY_MAX, _("What changed from the last version")
            ),
            text_limit(
                "usecaseversion", "data_flows", DATA_FLOWS_JSON_MAX, _("The data flows, stored as text,"), is_json=True
            ),
        ]

    def __str__(self):
        return f"{self.title} (v{self.number})"

    def save(self, *args, **kwargs):
        # Versions are immutable; the database refuses updates too (see migration 0002).
        if self.pk and not self._state.adding:
            raise ValidationError(_("A use case version cannot be changed. Create a new version instead."))
        super().save(*args, **kwargs)

    def clean(self):
        check_data_flows(self.data_flows)


class UseCaseDraft(UseCaseText, models.Model):
    """The next version of a use case while its authors write it: saved section by section,
    incomplete as often as not, until it is published as a new, immutable version (and removed)."""

    use_case = models.OneToOneField(UseCase, on_delete=models.CASCADE, related_name="draft")
    title = models.CharField(
        _("title"), max_length=VERSION_TITLE_MAX, blank=True, validators=[refuse_control_characters]
    )
    impact_statement = _version_text(_("why this matters"), "", blank=True)
    research_questions = _version_text(_("research questions"), "", blank=True)
    data_flows = models.JSONField(_("data flows"), default=list, blank=True)
    will_do = _version_text(_("what BOLD will do"), "", blank=True)
    wont_do = _version_text(_("what BOLD will not do"), "", blank=True)
    consent = _version_text(_("consent"), "", blank=True)
    anonymity = _version_text(_("anonymity"), "", blank=True)
    individual_impact = _version_text(_("impact on individuals"), "", blank=True)
    security = _version_text(_("security and governance"), "", blank=True)
    # Counts the saves, so that a section sent from a page opened before someone else's save is
    # refused rather than silently overwriting it.
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("last saved"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("use case draft")
        verbose_name_plural = _("use case drafts")
        constraints = [
            text_limit("usecasedraft", "title", VERSION_TITLE_MAX, _("A use case's title")),
            text_limit("usecasedraft", "impact_statement", VERSION_TEXT_MAX, _("Why this matters")),
            text_limit("usecasedraft", "research_questions", VERSION_TEXT_MAX, _("The research questions")),
            text_limit("usecasedraft", "will_do", VERSION_TEXT_MAX, _("What BOLD will do")),
            text_limit("usecasedraft", "wont_do", VERSION_TEXT_MAX, _("What BOLD will not do")),
            *concern_limits("usecasedraft"),
            text_limit(
                "usecasedraft", "data_flows", DATA_FLOWS_JSON_MAX, _("The data flows, stored as text,"), is_json=True
            ),
        ]

    def __str__(self):
        return self.title or self.use_case.slug

    def clean(self):
        check_data_flows(self.data_flows)

    @property
    def number(self) -> int:
        """The number it will take when published."""
        return (self.use_case.versions.aggregate(last=models.Max("number"))["last"] or 0) + 1


# A data flow's parts: the first three always, purpose and legal basis on versions written in the portal.
DATA_FLOW_KEYS = ("information", "from", "to", "purpose", "legal_basis")


def check_data_flows(flows) -> None:
    """Refuse data flows that are not a list of {"information", "from", "to"} dicts (with, optionally,
    "purpose" and "legal_basis"), that are too many, or whose values are too long or hidden characters."""
    if not isinstance(flows, list) or not all(
        isinstance(f, dict) and {"information", "from", "to"} <= f.keys() <= set(DATA_FLOW_KEYS) for f in flows
    ):
        raise ValidationError({"data_flows": _('Give a list of flows, each with "information", "from" and "to".')})
    if len(flows) > DATA_FLOWS_MAX:
        raise ValidationError(
            {
                "data_flows": _("Give at most %(most)s data flows; this has %(count)s.")
                % {"most": DATA_FLOWS_MAX, "count": len(flows)}
            }
        )
    for number, flow in enumerate(flows, start=1):
        for key, value in flow.items():
            if problem := _flow_value_problem(value):
                raise ValidationError(
                    {
                        "data_flows": _("Data flow %(number)s, %(key)s: %(problem)s")
                        % {"number": number, "key": key, "problem": problem}
                    }
                )


def _flow_value_problem(value) -> str | None:
    """What is wrong with one value of a data flow, in words; None when nothing is."""
    if not isinstance(value, str):
        return _("write it as text.")
    if len(value) > DATA_FLOW_VALUE_MAX:
        return _("shorten it to %(limit)s characters or fewer (it has %(count)s).") % {
            "limit": DATA_FLOW_VALUE_MAX,
            "count": f"{len(value):,}",
        }
    if found := control_character(value):
        return _("remove the hidden control character (%(code)s): it cannot be saved.") % {"code": found[1]}
    return None


class DataParty(models.Model):
    """Who data goes from or to in a use case's data flows, chosen from this list or added to it.
    A party that is an organisation in the portal is linked to it: naming it in a published version
    counts as that organisation's declared interest in the use case (docs/authors.md). Public
    bodies are never organisations of the portal, so they never reach assignment or the leads' pages."""

    class Kind(models.TextChoices):
        PUBLIC_BODY = "public_body", _("Public body")
        SERVICE_PROVIDER = "service_provider", _("Service provider")
        CHARITY = "charity", _("Charity")
        OTHER = "other", _("Other")

    name = models.CharField(
        _("name"), max_length=DATA_FLOW_VALUE_MAX, unique=True, validators=[refuse_control_characters]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organisation = models.OneToOneField(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_party",
        verbose_name=_("organisation in the portal"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("data party")
        verbose_name_plural = _("data parties")
        constraints = [
            text_limit("dataparty", "name", DATA_FLOW_VALUE_MAX, _("A data party's name")),
            models.CheckConstraint(
                condition=Q(kind__in=["public_body", "service_provider", "charity", "other"]),
                name="dataparty_kind_valid",
                violation_error_message=_("Choose public body, service provider, charity or other."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="public_body") | Q(organisation__isnull=True),
                name="dataparty_public_body_not_organisation",
                violation_error_message=_("A public body is not an organisation in the portal: leave it unlinked."),
            ),
        ]

    def __str__(self):
        return self.name
