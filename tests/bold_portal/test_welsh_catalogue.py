"""The Welsh catalogue holds every string the portal marks for translation (docs/i18n.md: "kept up
to date with every string"). makemessages runs on a copy of the committed files, so the test never
rewrites the catalogue it checks; msgcmp then names each string the committed catalogue lacks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = Path("locale/cy/LC_MESSAGES/django.po")


def message_id(lines: list[str], msgstr_line: int) -> str:
    """The msgid above the msgstr at msgstr_line (1-based; msgcmp points there), continuation lines joined."""
    start = msgstr_line - 1
    while not lines[start].startswith("msgid "):
        start -= 1
    return " ".join(lines[start : msgstr_line - 1])


@pytest.mark.slow
def test_the_welsh_catalogue_holds_every_string_marked_for_translation(tmp_path):
    for tool in ("xgettext", "msgcmp"):
        assert shutil.which(tool), f"{tool} is missing: install GNU gettext (make gettext)"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp_path / name)
    committed = tmp_path / "committed.po"
    shutil.copy2(tmp_path / CATALOGUE, committed)

    made = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "cy", "-v", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    fresh = tmp_path / CATALOGUE
    compared = subprocess.run(
        ["msgcmp", "--use-untranslated", str(committed), str(fresh)], capture_output=True, text=True
    )
    fresh_lines = fresh.read_text().splitlines()
    missing = [
        message_id(fresh_lines, int(line.split(":")[1]))
        for line in compared.stderr.splitlines()
        if "used but not defined" in line
    ]
    assert compared.returncode == 0, (
        f"{len(missing)} strings are not in {CATALOGUE}; run make messages and commit the file. "
        "The first ones:\n" + "\n".join(missing[:10])
    )
