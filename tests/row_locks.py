"""The portal's rule for row locks, checked two ways: in its source, every select_for_update()
names its table with of=; on PostgreSQL, every locking statement the portal runs on its own tables
that joins others names its own with OF (FOR UPDATE without OF would lock the joined rows too), and
none is ordered by another table's columns (a model's default ordering can join other tables). See
docs/architecture.md, "Row locks"."""

import ast
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.portal_apps import PORTAL_APPS

THIS_MODULE = Path(__file__).resolve()
# Not the portal's own running code: tests, migrations and whatever is installed or built.
NOT_SCANNED = {"tests", "migrations", "node_modules", "build", "staticfiles", "__pycache__"}

LOCKING_SELECT = re.compile(
    r"^\s*(?:/\*.*?\*/\s*)*SELECT\b.*\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b(?P<after>.*)$",
    re.IGNORECASE | re.DOTALL,
)
FIRST_TABLE = re.compile(r'\bFROM\s+"?(?P<table>\w+)"?', re.IGNORECASE)
FIRST_ALIAS = re.compile(r'\bFROM\s+"?\w+"?\s+(?:AS\s+)?"?(\w+)"?', re.IGNORECASE)
SQL_WORDS = {"WHERE", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "JOIN", "ORDER", "GROUP", "LIMIT", "FOR", "OFFSET"}
ORDER_BY = re.compile(
    r"\bORDER\s+BY\b(?P<terms>.*?)(?=\bLIMIT\b|\bOFFSET\b|\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|$)",
    re.IGNORECASE | re.DOTALL,
)
QUALIFIED_COLUMN = re.compile(r'"?(?P<table>\w+)"?\s*\.\s*"?\w+"?')


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
    test (a test's own setup, such as update_or_create, is not held to the portal's rule). The
    checks of this module are passed over: watches within watches call each other."""
    root = Path(settings.BASE_DIR).resolve()
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.is_relative_to(root) and path != THIS_MODULE and not {".venv", "site-packages"} & set(path.parts):
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
    # Without OF, a lock takes a row of every table the statement reads: harmless alone (Django's
    # update_or_create, a library's lock of its device), a lock of the joined rows otherwise.
    if not re.match(r"\s+OF\b", locking["after"], re.IGNORECASE) and re.search(r"\bJOIN\b", sql, re.IGNORECASE):
        return 'the lock names no table: FOR UPDATE without OF locks every joined row (use of=("self",))'
    if not ordered_by_own_columns(sql, table["table"]):
        return (
            "the locking query is ordered by another table's columns: a default ordering can join other tables "
            '(order by the locked table\'s own key, as order_by("pk"), or not at all: .get() or .order_by())'
        )
    return None


def ordered_by_own_columns(sql: str, table: str) -> bool:
    """Whether the statement is ordered only by columns of table (the first after FROM), or not at
    all: ordering by a joined table's columns is how a default ordering joins other tables. An
    unqualified column counts as table's own only where nothing is joined."""
    order = ORDER_BY.search(sql)
    if order is None:
        return True
    terms = [term.strip() for term in order["terms"].split(",")]
    alias = FIRST_ALIAS.search(sql)
    own = {table.lower()} | ({alias[1].lower()} if alias and alias[1].upper() not in SQL_WORDS else set())
    for term in terms:
        qualified = QUALIFIED_COLUMN.match(term)
        if qualified is None and re.search(r"\bJOIN\b", sql, re.IGNORECASE):
            return False
        if qualified is not None and qualified["table"].lower() not in own:
            return False
    return True


@contextmanager
def row_lock_watch() -> Iterator[list[str]]:
    """Check every statement run within it: the list it gives fills with the portal's locking
    statements that break the rule, each with the line of the portal's code that made it."""
    problems: list[str] = []

    def check(execute, sql, params, many, context):
        if (problem := row_lock_problem(sql)) and (caller := portal_caller()):
            problems.append(f"{caller}: {problem}:\n{sql}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(check):
        yield problems
