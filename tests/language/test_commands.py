"""The language checker's commands (docs/language-checker.md#the-command): check_language prints one
hit per line or a JSON list with character offsets, exits 0 whether or not it finds anything and
non-zero only when it cannot run; load_lexicon seeds the database from the file without undoing an
admin's edit; lexicon_differences shows where the two differ."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bold_portal.models import AuditEvent
from language.lexicon_file import file_entries
from language.models import LexiconEntry
from language.services import lexicon_entry_update
from reviews.demo import bold_report as report
from tests.factories import make_admin, make_audience

ROOT = Path(__file__).resolve().parents[2]
TEXT = "Café for ex-offenders.\r\nCall 020 7946 0958 \u2013 or write to sam@example.org\n"


def run(*args) -> str:
    out = io.StringIO()
    call_command("check_language", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "use-case.txt"
    path.write_bytes(TEXT.encode("utf-8"))
    return path


@pytest.mark.django_db
def test_json_lists_hits_with_character_offsets_into_the_files_text(sample):
    hits = json.loads(run(sample, "--format", "json"))

    assert [set(hit) for hit in hits] == [{"start", "end", "text", "kind", "suggestion", "source"}] * 3
    assert [(hit["text"], hit["kind"]) for hit in hits] == [
        ("ex-offenders", "stigmatising"),
        ("020 7946 0958", "personal_data"),
        ("sam@example.org", "personal_data"),
    ]
    for hit in hits:  # characters, not bytes: "é" and the dash are one each, and "\r\n" two
        assert TEXT[hit["start"] : hit["end"]] == hit["text"]
        assert isinstance(hit["start"], int) and isinstance(hit["end"], int)
        assert hit["suggestion"] and hit["source"]


@pytest.mark.django_db
def test_one_hit_per_line_with_line_and_column(sample):
    lines = run(sample).splitlines()

    assert len(lines) == 3
    assert lines[0].startswith(f"{sample}:1:10: stigmatising: 'ex-offenders': prison leaver")
    assert lines[1].startswith(f"{sample}:2:6: personal_data: '020 7946 0958': This looks like a phone number.")


@pytest.mark.django_db
def test_nothing_found_is_an_empty_list_or_no_lines(tmp_path):
    path = tmp_path / "clean.txt"
    path.write_text("Prison leavers and people who use drugs.", encoding="utf-8")

    assert json.loads(run(path, "--format", "json")) == []
    assert run(path) == ""


@pytest.mark.django_db
def test_an_audience_brings_other_audiences_terms(tmp_path):
    path = tmp_path / "case.txt"
    path.write_text("People on probation.", encoding="utf-8")

    assert run(path, "--lexicon-file") == ""
    assert "audience_conflation: 'probation'" in run(path, "--audience", "substance-misuse", "--lexicon-file")


def test_the_lexicon_file_needs_no_database(sample):
    assert json.loads(run(sample, "--format", "json", "--lexicon-file"))[0]["text"] == "ex-offenders"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "There is no file at"),
        (b"caf\xe9 for addicts", "is not UTF-8 text (byte 3 cannot be read)"),
        ("folder", "is a folder"),
    ],
)
def test_what_cannot_be_checked_is_an_error_saying_why(tmp_path, content, message):
    path = tmp_path / "case.txt"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError, match=re.escape(message)):
        run(path, "--lexicon-file")


@pytest.mark.slow
def test_the_exit_status_is_0_with_hits_and_1_without_a_file(sample, tmp_path):
    def exit_status(path) -> subprocess.CompletedProcess:
        command = [sys.executable, "manage.py", "check_language", str(path), "--lexicon-file", "--format", "json"]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={"SECRET_KEY": "t", "PATH": ""})

    found = exit_status(sample)
    assert found.returncode == 0, found.stderr
    assert len(json.loads(found.stdout)) == 3
    missing = exit_status(tmp_path / "missing.txt")
    assert missing.returncode == 1
    assert "There is no file at" in missing.stderr


def _demo_audiences():
    for audience in report.AUDIENCES:
        make_audience(slug=audience.slug, name=audience.name)


@pytest.mark.django_db
def test_load_lexicon_seeds_the_database_once_with_one_audit_row():
    _demo_audiences()
    out = io.StringIO()
    call_command("load_lexicon", stdout=out)

    assert f"{len(file_entries())} entries added" in out.getvalue()
    assert LexiconEntry.objects.count() == len(file_entries())
    assert AuditEvent.objects.get(action="lexicon_loaded").data["added"][0] == file_entries()[0]["term"]
    call_command("load_lexicon", stdout=io.StringIO())
    assert LexiconEntry.objects.count() == len(file_entries())
    assert AuditEvent.objects.filter(action="lexicon_loaded").count() == 1
    differences = io.StringIO()
    call_command("lexicon_differences", stdout=differences)
    assert differences.getvalue() == "The database's lexicon and the lexicon file agree.\n"


@pytest.mark.django_db
def test_load_lexicon_names_the_terms_whose_audience_is_missing():
    out = io.StringIO()
    call_command("load_lexicon", stdout=out)

    assert "no audience with the slug the file names: offending, reoffending" in out.getvalue()
    assert not LexiconEntry.objects.filter(kind="audience_term").exists()


@pytest.mark.django_db
def test_differences_show_an_admins_edit_and_what_is_only_on_one_side():
    _demo_audiences()
    call_command("load_lexicon", stdout=io.StringIO())
    addict = LexiconEntry.objects.get(term="addict")
    lexicon_entry_update(
        entry=addict,
        term="addict",
        kind="stigmatising",
        suggestion="person who uses drugs or alcohol",
        source="scottish-drugs-forum",
        audience=None,
        is_active=True,
        actor=make_admin(),
    )
    LexiconEntry.objects.filter(term="junkie").delete()
    LexiconEntry.objects.create(term="service user", kind="jargon", suggestion="person", source="bold-report")
    call_command("load_lexicon", stdout=io.StringIO())  # puts back what is missing, keeps the edit
    LexiconEntry.objects.filter(term="cohort").delete()
    LexiconEntry.objects.filter(term="vagrant").update(is_active=False)
    out = io.StringIO()
    call_command("lexicon_differences", stdout=out)

    assert out.getvalue().splitlines() == [
        "addict (stigmatising): suggestion is 'person who uses drugs' in the file, "
        "'person who uses drugs or alcohol' in the database",
        "cohort (jargon): only in the file",
        "service user (jargon): only in the database",
        "vagrant (stigmatising): is_active is True in the file, False in the database",
    ]


def test_make_run_loads_the_lexicon_after_the_demo_data():
    # The recipe of the target "run": the lines after its prerequisites' line, up to a blank line.
    recipe = re.split(r"\nrun: \$\(STAMP\)[^\n]*\n", (ROOT / "Makefile").read_text())[1].split("\n\n")[0]
    commands = [line.split("manage.py ")[1] for line in recipe.splitlines() if "manage.py" in line]

    assert commands.index("load_lexicon") == commands.index("load_bold_report") + 1
