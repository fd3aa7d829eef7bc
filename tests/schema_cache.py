"""The SQLite test database, built by the migrations once and then copied from a file.

Running every migration to build the in-memory test database costs a few CPU seconds on each run
of the suite. The database they build depends only on the migration files of every installed app,
the portal's modules those files import (and those modules' own imports), the settings they read,
and the versions of Django and SQLite; the file is named by a hash of all of these. When that file
exists, the test database is copied from it (SQLite's backup) instead of migrated; when it does
not, the migrations run as always and their result is saved under that name for the next run.

PostgreSQL, as CI runs the suite, always migrates.
"""

import ast
import hashlib
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core import management
from django.db import DEFAULT_DB_ALIAS, connections

CACHE_DIRECTORY = Path(tempfile.gettempdir()) / "bold-portal-test-schema"
PROJECT = Path(__file__).resolve().parent.parent
SETTING = re.compile(rb"settings\.([A-Z][A-Z0-9_]*)")


def _project_file(module: str) -> Path | None:
    """The portal's own source file of a dotted module name, or None for anything else."""
    parts = module.split(".")
    for candidate in (PROJECT.joinpath(*parts).with_suffix(".py"), PROJECT.joinpath(*parts, "__init__.py")):
        if candidate.is_file() and ".venv" not in candidate.parts:
            return candidate
    return None


def _imported_modules(path: Path) -> set[str]:
    """The dotted names a file imports, relative imports resolved against its own package."""
    package = list(path.relative_to(PROJECT).parent.parts) if PROJECT in path.parents else []
    names = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parent = package[: len(package) - node.level + 1] if node.level else []
            base = ".".join([*parent, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _migration_files() -> list[Path]:
    files = []
    for app_config in apps.get_app_configs():
        directory = Path(app_config.path) / "migrations"
        if directory.is_dir():
            files += sorted(directory.glob("*.py"))
    return files


def schema_sources() -> tuple[list[Path], set[str]]:
    """The files the migrated schema depends on: every installed app's migrations, the portal's
    migrate command, and the portal's modules these import, followed through their own imports;
    and the names of the settings these files read."""
    seen: set[Path] = set()
    to_read = _migration_files()
    to_read.append(PROJECT / "accounts" / "management" / "commands" / "migrate.py")
    settings_read: set[str] = set()
    while to_read:
        path = to_read.pop()
        if path in seen:
            continue
        seen.add(path)
        settings_read.update(name.decode() for name in SETTING.findall(path.read_bytes()))
        if PROJECT in path.parents:
            to_read += [found for name in _imported_modules(path) if (found := _project_file(name))]
    return sorted(seen), settings_read


def schema_key() -> str:
    """A hash of everything the migrated schema depends on (see the module's description)."""
    digest = hashlib.sha256()
    digest.update(f"{django.__version__} {sqlite3.sqlite_version} {sys.version_info[:2]}".encode())
    files, settings_read = schema_sources()
    for path in files:
        digest.update(str(path.relative_to(PROJECT) if PROJECT in path.parents else path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in sorted(settings_read):
        digest.update(f"{name}={getattr(settings, name, None)!r}".encode())
    return digest.hexdigest()[:32]


def _cacheable(connection) -> bool:
    """An in-memory SQLite test database built by the migrations (not by pytest's --no-migrations)."""
    migrations_run = settings.MIGRATION_MODULES == {} and connection.settings_dict["TEST"].get("MIGRATE") is not False
    return migrations_run and connection.vendor == "sqlite" and connection.is_in_memory_db()


def cached_migrate(call_command):
    """Wraps django.core.management.call_command for the test database's creation: its one
    `migrate` on an in-memory SQLite database is answered from the cached file when there is one,
    and saves it when there is not. Any other command, and any other database, goes through."""
    state = {"done": False}

    def wrapper(name, *args, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if state["done"] or name != "migrate" or not options.get("run_syncdb") or not _cacheable(connection):
            return call_command(name, *args, **options)
        state["done"] = True
        path = CACHE_DIRECTORY / f"{schema_key()}.sqlite3"
        connection.ensure_connection()
        if path.is_file():
            source = sqlite3.connect(path)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
            return None
        result = call_command(name, *args, **options)
        CACHE_DIRECTORY.mkdir(parents=True, exist_ok=True)
        # Written beside its final name, then renamed: a second test process never reads half a file.
        partial = path.with_suffix(f".{os.getpid()}.partial")
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        os.replace(partial, path)
        return result

    return wrapper


def install():
    """Put the wrapper in place of call_command, where Django's test database creation finds it;
    returns a function that puts the original back."""
    original = management.call_command
    management.call_command = cached_migrate(original)

    def restore():
        management.call_command = original

    return restore
