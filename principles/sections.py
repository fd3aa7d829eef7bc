"""The sections of a use case that a principle can ask about, by code. A principle stores the
codes of the sections it reads (Principle.reads_sections, editable by programme admins), and the
pages that show a principle beside a use case (the analysts' cell page; the reviewers' and authors'
pages may reuse it) show those sections' text. The codes are the names of the use case version's
fields (usecases.models.UseCaseVersion), which this app, below usecases, cannot import."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SECTIONS = (
    ("title", _("Title")),
    ("impact_statement", _("Why this matters")),
    ("research_questions", _("Research questions")),
    ("data_flows", _("Data flows: which information goes from whom to whom")),
    ("will_do", _("What BOLD will do")),
    ("wont_do", _("What BOLD will not do")),
)
SECTION_CODES = tuple(code for code, _label in SECTIONS)
SECTION_LABELS = dict(SECTIONS)


def sections_in_order(codes) -> list[str]:
    """The codes, each once, in the order a use case shows its sections."""
    chosen = set(codes)
    return [code for code in SECTION_CODES if code in chosen]


def validate_sections(value) -> None:
    """A list of known section codes, each once."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give the sections as a list of section codes."), code="invalid")
    unknown = sorted(set(value) - set(SECTION_CODES))
    if unknown:
        raise ValidationError(
            _("%(codes)s is not a section of a use case. Choose from: %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(SECTION_CODES)},
            code="unknown_section",
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Give each section once."), code="repeated_section")
