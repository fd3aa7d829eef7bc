"""The sections of a use case, in the report's order: the authoring pages edit one at a time, and
publishing names the sections still to write."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from usecases.models import DATA_FLOW_KEYS


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    fields: tuple[str, ...]


SECTIONS = (
    Section("impact", _("Impact for the audience"), ("title", "impact_statement")),
    Section("research-questions", _("Research questions"), ("research_questions",)),
    Section("data-flows", _("Data flows"), ("data_flows",)),
    Section("will-do", _("What BOLD will do"), ("will_do",)),
    Section("wont-do", _("What BOLD will not do"), ("wont_do",)),
    Section(
        "concerns",
        _("Consent, anonymity, impact on individuals and security"),
        ("consent", "anonymity", "individual_impact", "security"),
    ),
)
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}
DRAFT_FIELDS = tuple(name for section in SECTIONS for name in section.fields)


def section_is_written(section: Section, draft) -> bool:
    """Every field of the section has text (for data flows: at least one flow, each filled in)."""
    if section.slug == "data-flows":
        return bool(draft.data_flows) and all(
            all(flow.get(key, "").strip() for key in DATA_FLOW_KEYS) for flow in draft.data_flows
        )
    return all(getattr(draft, name).strip() for name in section.fields)
