"""The portal speaks as it asks others to (docs/language-checker.md): its templates (email templates
included), its message catalogue, its README and its docs hold no stigmatising term and no deficit
label. The demo drafts are not checked: they carry the report's weaknesses on purpose."""

from pathlib import Path

import pytest

from language.checker.check import check_text
from language.checker.terms import DEFICIT, STIGMATISING

ROOT = Path(__file__).resolve().parents[2]


def _portal_texts() -> list[Path]:
    return sorted(
        [
            *(ROOT / "templates").rglob("*.html"),
            *(ROOT / "templates").rglob("*.txt"),
            *(ROOT / "locale").rglob("*.po"),
            ROOT / "README.md",
            *(ROOT / "docs").rglob("*.md"),
        ]
    )


def test_the_texts_include_the_email_templates_and_the_catalogue():
    names = {path.relative_to(ROOT).as_posix() for path in _portal_texts()}

    assert {"README.md", "docs/language-checker.md", "templates/email/base.txt"} <= names
    assert any(name.endswith("django.po") for name in names)


@pytest.mark.parametrize("path", _portal_texts(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_the_portals_words_hold_no_stigmatising_term_or_deficit_label(path):
    text = path.read_text(encoding="utf-8")
    hits = [hit for hit in check_text(text) if hit.kind in (STIGMATISING, DEFICIT)]

    assert [(text.count("\n", 0, hit.start) + 1, hit.text, hit.suggestion) for hit in hits] == []
