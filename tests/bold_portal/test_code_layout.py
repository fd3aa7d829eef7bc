"""The promises docs/architecture.md makes about how the code is divided: no module past about 500
lines of code (not counting blank lines, comments and docstrings), and no import inside a function
except an app's `ready()` (which registers what the app adds) and the few that break a real import
cycle, each saying so on its line."""

import ast
import functools
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_CODE_LINES = 500


@functools.cache
def _portal_modules() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [
        ROOT / name
        for name in listed.stdout.split()
        if not {"migrations", "tests"} & set(Path(name).parts) and name != "manage.py"
    ]


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and ast.get_docstring(
            node, clean=False
        ):
            lines.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    return lines


@functools.cache
def _parsed(path: Path) -> tuple[str, ast.Module]:
    """A module's source and syntax tree, read once for this file's tests."""
    source = path.read_text()
    return source, ast.parse(source)


def _code_lines(path: Path) -> int:
    """Lines of code: not blank, not a comment, not part of a docstring."""
    source, tree = _parsed(path)
    documentation = _docstring_lines(tree)
    return sum(
        1
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and number not in documentation
    )


def test_no_module_past_about_500_lines_of_code():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _portal_modules()
        if (lines := _code_lines(path)) > MAX_CODE_LINES
    }
    assert too_long == {}, "split these into a package by feature"


def _imports_inside_functions(path: Path) -> list[str]:
    source, tree = _parsed(path)
    lines = source.splitlines()
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and path.name == "apps.py":
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom) and "cycle" not in lines[node.lineno - 1]:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_imports_sit_at_the_top_of_their_module():
    inside = [place for path in _portal_modules() for place in _imports_inside_functions(path)]
    assert inside == [], "import at the module's top, or say on the line which cycle it breaks"


def test_code_lines_leave_out_blank_lines_comments_and_docstrings(tmp_path):
    module = tmp_path / "module.py"
    module.write_text('"""A module."""\n\n# why\ndef view():\n    """What it does,\n    at length."""\n    return 1\n')
    assert _code_lines(module) == 2


@pytest.mark.parametrize(
    "source, found",
    [
        ("def view():\n    import json\n", ["{}:2"]),
        ("def view():\n    from matrix.tasks import run  # breaks the cycle with matrix.tasks\n", []),
        ("import json\n\n\ndef view():\n    return json\n", []),
    ],
)
def test_the_import_check_finds_what_it_should(tmp_path, monkeypatch, source, found):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    module = tmp_path / "module.py"
    module.write_text(source)
    assert _imports_inside_functions(module) == [place.format("module.py") for place in found]
