"""The lexicon file (docs/language-checker.md#the-lexicon): every entry cites a source, every source
has its summary under docs/sources/ with its title, publisher and date, and the file's audiences are
the report's."""

from collections import Counter
from pathlib import Path

from language.checker.terms import AUDIENCE_TERM, NAME, normalised
from language.lexicon_file import file_entries, sources
from language.models import EntryKind
from reviews.demo import bold_report as report

ROOT = Path(__file__).resolve().parents[2]


def test_every_source_has_its_summary_with_title_publisher_and_date():
    assert "bold-report" in sources()
    for key, source in sources().items():
        summary = ROOT / source["summary"]
        assert summary.parent == ROOT / "docs" / "sources", key
        text = summary.read_text()
        assert text.startswith(f"# {source['title']}"), key
        assert "**Publisher:**" in text and "**Date:**" in text and f"`{key}`" in text, key
        assert source["publisher"] and source["date"]


def test_every_entry_cites_a_known_source_and_is_well_formed():
    audiences = {audience.slug for audience in report.AUDIENCES}
    for entry in file_entries():
        assert entry["source"] in sources(), entry
        assert entry["kind"] in EntryKind.values, entry
        assert (entry["kind"] == AUDIENCE_TERM) == bool(entry["audience"]), entry
        if entry["audience"]:
            assert entry["audience"] in audiences, entry
        assert (entry["kind"] == NAME) != bool(entry["suggestion"]), entry


def test_no_term_is_listed_twice_as_one_kind():
    counts = Counter((normalised(entry["term"]), entry["kind"]) for entry in file_entries())
    assert [term for term, count in counts.items() if count > 1] == []


def test_the_issues_examples_are_in_the_lexicon():
    terms = {entry["term"]: entry for entry in file_entries()}

    assert terms["ex-offender"]["suggestion"] == "prison leaver, or person with a criminal record"
    assert terms["addict"]["suggestion"] == "person who uses drugs"
    assert terms["the homeless"]["suggestion"] == "people experiencing homelessness"
    assert terms["de-identified"]["source"] == "understanding-patient-data"
    assert {"Reducing Reoffending", "Offender Management"} <= {t for t, e in terms.items() if e["kind"] == NAME}
