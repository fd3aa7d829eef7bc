"""The portal's rule for row locks, checked two ways: in its source, every select_for_update()
names its table with of=; on PostgreSQL, every locking statement the portal runs on its own
tables names them with OF and has no ORDER BY (a model's default ordering can join other tables,
and FOR UPDATE without OF would lock their rows too). See docs/architecture.md, "Integrity in the
database"."""

import ast
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from tests.portal_apps import PORTAL_APPS

# Not the portal's own running code: tests, migrations and whatever is installed or built.
NOT_SCANNED = {"tests", "migrations", "node_modules", "build", "staticfiles", "__pycache__"}

LOCKING_SELECT = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*SELECT\b.*\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b(?P<after>.*)$",
    re.IGNORECASE | re.DOTALL,
)
FIRST_TABLE = re.compile(r'\bFROM\s+"?(?P<table>\w+)"?', re.IGNORECASE)


def unnamed_row_locks(source: str, filename: str = "<string>") -> list[int]:
    """The lines of select_for_update() calls in source that do not name their tables with of=."""
    return sorted(
        node.func.end_lineno  # the line naming select_for_update, in a chain over several lines
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "select_for_update"
        and not any(keyword.arg == "of" for keyword in node.keywords)
    )


def portal_sources(root: Path) -> Iterator[Path]:
    """The portal's own Python files under root (hidden folders such as .venv are skipped too)."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name not in NOT_SCANNED and not name.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


def portal_caller() -> str | None:
    """Where the portal's own code (not a test's, nor a library's) made the statement being run,
    as path:line from the repository's root; None if the nearest caller in the repository is a
    test (a test's own setup, such as update_or_create, is not held to the portal's rule)."""
    root = Path(settings.BASE_DIR).resolve()
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.is_relative_to(root) and not {".venv", "site-packages"} & set(path.parts):
            relative = path.relative_to(root)
            return None if relative.parts[0] == "tests" else f"{relative.as_posix()}:{frame.f_lineno}"
        frame = frame.f_back
    return None


def row_lock_problem(sql: str) -> str | None:
    """What is wrong with a statement's row lock on a portal table, or None if nothing is (or it
    locks nothing, or locks a library's table)."""
    locking = LOCKING_SELECT.match(sql)
    table = FIRST_TABLE.search(sql)
    if locking is None or table is None or not table["table"].startswith(tuple(f"{app}_" for app in PORTAL_APPS)):
        return None
    if not re.match(r"\s+OF\b", locking["after"], re.IGNORECASE):
        return 'the lock names no table: FOR UPDATE without OF locks every joined row (use of=("self",))'
    if re.search(r"\bORDER\s+BY\b", sql, re.IGNORECASE):
        return "the locking query is ordered: a default ordering can join other tables (use .get() or .order_by())"
    return None
