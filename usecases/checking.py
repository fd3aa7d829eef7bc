"""The language checker on a use case's text, part by part (a draft's or a version's): the hits
neither fixed nor dismissed, for the draft's pages and the readiness checklist.

Each part (a field, or the data flows as one text) is its own subject for dismissals, and a draft
shares its subjects with the version it becomes, so a hit dismissed in the draft stays dismissed
once it is published."""

from dataclasses import dataclass

from language.checker.check import Hit, check_text
from language.models import HitKind
from language.selectors import lexicon_terms, open_hits_by_subject
from usecases.models import DATA_FLOW_KEYS
from usecases.sections import SECTIONS, Section


@dataclass(frozen=True)
class PartHit:
    """One open hit in one part of the text (part: a field's name, or "data_flows")."""

    part: str
    hit: Hit
    occurrence: int

    @property
    def kind_name(self) -> str:
        return HitKind(self.hit.kind).label


def hit_subject(use_case_id: int, number: int, part: str) -> str:
    """The dismissal subject of one part of version `number` of a use case, or of its draft."""
    return f"usecases.usecase:{use_case_id}:v{number}:{part}"


def text_parts(text_holder) -> dict[str, str]:
    """Every checked part of a draft or version: each field's text, and the data flows as lines."""
    parts = {}
    for section in SECTIONS:
        for name in section.fields:
            if name == "data_flows":
                flows = text_holder.data_flows or []
                parts[name] = "\n".join(" ".join(flow.get(key, "") for key in DATA_FLOW_KEYS) for flow in flows)
            else:
                parts[name] = getattr(text_holder, name)
    return parts


def open_part_hits(texts: list[tuple[int, int, object]]) -> list[list[PartHit]]:
    """For each (use case id, number, draft or version with its use case's audience), its open hits in
    the order of the text: the lexicon is read once and the dismissals in one query, however many."""
    terms = lexicon_terms()
    checked = []
    for use_case_id, number, holder in texts:
        audience = holder.use_case.audience.slug
        checked.append(
            {
                hit_subject(use_case_id, number, part): (part, check_text(text, audience=audience, terms=terms))
                for part, text in text_parts(holder).items()
            }
        )
    still_open = open_hits_by_subject({subject: hits for each in checked for subject, (_, hits) in each.items()})
    return [
        [
            PartHit(part=part, hit=hit, occurrence=occurrence)
            for subject, (part, _) in each.items()
            for hit, occurrence in still_open[subject]
        ]
        for each in checked
    ]


def hits_by_section(part_hits: list[PartHit]) -> dict[str, list[PartHit]]:
    """The hits under the slug of the section whose text holds them."""
    by_part = {}
    for part_hit in part_hits:
        by_part.setdefault(part_hit.part, []).append(part_hit)
    return {section.slug: [h for name in section.fields for h in by_part.get(name, [])] for section in SECTIONS}


def section_hits(part_hits: list[PartHit], section: Section) -> list[PartHit]:
    return hits_by_section(part_hits)[section.slug]


@dataclass(frozen=True)
class DismissTarget:
    """What language_hit_dismiss needs: the part's subject, all its hits, and the one to dismiss."""

    subject: str
    hits: list[Hit]
    hit: Hit


def dismiss_target(holder, *, number: int, part: str, kind: str, text: str, occurrence: int) -> DismissTarget | None:
    """The hit of a draft or version that a page named (its part, kind, text and occurrence), if it
    is still in the text; None once it is fixed."""
    hits = check_text(text_parts(holder)[part], audience=holder.use_case.audience.slug, terms=lexicon_terms())
    same = [hit for hit in hits if hit.kind == kind and hit.text.casefold() == text.casefold()]
    if not 1 <= occurrence <= len(same):
        return None
    return DismissTarget(hit_subject(holder.use_case_id, number, part), hits, same[occurrence - 1])
