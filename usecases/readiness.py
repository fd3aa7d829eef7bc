"""The readiness checklist of a use case's text (a version's, or a draft's): what must be true
before it is worth reviewers' time. One selector for the author's pages and the admins' version
chooser; many versions are checked with one read of the lexicon and one query for dismissals."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from usecases.checking import open_part_hits
from usecases.sections import SECTIONS, SECTIONS_BY_SLUG, section_is_written


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    done: bool


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...]
    open_hits: int

    @property
    def ready(self) -> bool:
        return all(check.done for check in self.checks)

    @property
    def to_do(self) -> int:
        return sum(not check.done for check in self.checks)


def readiness(holder, open_hits: int) -> Readiness:
    """The checklist of one draft or version, given how many of its checker hits are still open."""
    checks = (
        Check("sections", _("Every section written"), all(section_is_written(s, holder) for s in SECTIONS)),
        Check(
            "impact",
            _("Impact for the audience first"),
            section_is_written(SECTIONS_BY_SLUG["impact"], holder),
        ),
        Check(
            "data-flows",
            _("Data flows listed, each with what, from whom, to whom, why and on what legal basis"),
            section_is_written(SECTIONS_BY_SLUG["data-flows"], holder),
        ),
        Check(
            "concerns",
            _("Consent, anonymity, impact on individuals and security answered"),
            section_is_written(SECTIONS_BY_SLUG["concerns"], holder),
        ),
        Check("language", _("Every language checker point fixed or dismissed with a reason"), open_hits == 0),
    )
    return Readiness(checks, open_hits)


def readiness_of(texts: list[tuple[int, int, object]]) -> list[Readiness]:
    """For each (use case id, version number, version or draft with use_case.audience), its checklist."""
    hits = open_part_hits(texts)
    return [readiness(holder, len(open_hits)) for (_, _, holder), open_hits in zip(texts, hits, strict=True)]


def version_readiness(versions) -> dict[int, Readiness]:
    """Each version's checklist by its id (versions with use_case__audience selected)."""
    versions = list(versions)
    found = readiness_of([(version.use_case_id, version.number, version) for version in versions])
    return {version.pk: readiness for version, readiness in zip(versions, found, strict=True)}
