"""Reads whose SQL is built and compiled once per database connection.

Building a queryset (its filters, joins and subqueries) and compiling it to SQL costs far more CPU
than SQLite or PostgreSQL spend running a small statement: on a reviewer's submit it was most of
the view's time (docs/performance.md). A read that runs on every request with the same shape and
only different values is declared once as a CompiledRead: its queryset is built with stand-in
values, compiled, and the positions of those values among the statement's parameters remembered;
each later call puts its own values in their places, runs the statement and turns the rows into
model instances (select_related and annotations included) or tuples as the queryset itself would.
They run on the default database, the portal's only one. build must depend on its arguments
alone: anything else it puts in the query (today's date, a setting) is compiled in once and kept
for the connection's life.

Only whole numbers and text are put in place this way: those are passed as parameters as they
are, whatever the lookup. Any other value (None, which compiles to IS NULL, a date, a list) makes
that call build and run its queryset in full, as the ORM would."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

# Stand-ins far from any real key or text, so that one found among the parameters is ours. Numbers
# stay within a 32-bit column's range: Django compiles a lookup of a value out of the column's
# range to no statement at all (EmptyResultSet).
_NUMBER_PROBE = 2_147_000_000
_TEXT_PROBE = "\x00compiled-read-value-"


def _probe(name_index: int, value: Any) -> int | str | None:
    if type(value) is int:
        return _NUMBER_PROBE + name_index
    if type(value) is str:
        return f"{_TEXT_PROBE}{name_index}"
    return None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Each parameter in order: the name of the value put there, or (None, a constant of the query).
    slots: tuple[tuple[str | None, Any], ...]
    compiler: SQLCompiler


class CompiledRead:
    """build(**values) returns the queryset for those values (keyword arguments, the same names
    every call). lock_shared: on PostgreSQL, the rows are locked FOR SHARE OF the queryset's own
    table (the ORM has only FOR UPDATE); SQLite serialises writers and needs no row lock."""

    def __init__(self, build: Callable[..., QuerySet], *, lock_shared: bool = False):
        self._build = build
        self._lock_shared = lock_shared
        self._key = object()

    def objects(self, **values) -> list[Model]:
        """The model instances the queryset would give for these values."""
        found = self._run(values)
        if found is None:
            return list(self._build(**values))
        compiled, rows = found
        compiler, alias = compiled.compiler, compiled.compiler.using
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, alias)
        instances = []
        for row in compiler.results_iter([rows]):
            instance = klass_info["model"].from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in compiler.annotation_col_map.items():
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def related(self, instance: Model, relation: str, **values) -> list[Model]:
        """The model instances for these values, given to instance as its relation (the name of a
        reverse foreign key, such as a review's "verdicts"): instance.<relation>.all() then gives
        them without a query, each knowing instance, as prefetch_related_objects leaves them
        (stored as Django 5.2's prefetch_one_level stores them). A Prefetch would build and compile
        its queryset on every call."""
        objects = self.objects(**values)
        manager = getattr(instance, relation)
        for related in objects:
            setattr(related, manager.field.name, instance)
        queryset = manager.get_queryset()
        queryset._result_cache = objects
        queryset._prefetch_done = True
        instance.__dict__.setdefault("_prefetched_objects_cache", {})[manager.field.remote_field.cache_name] = queryset
        return objects

    def rows(self, **values) -> list[tuple]:
        """The rows of a values_list() queryset for these values, as tuples."""
        found = self._run(values)
        if found is None:
            return [tuple(row) for row in self._build(**values)]
        compiled, rows = found
        return [tuple(row) for row in compiled.compiler.results_iter([rows], tuple_expected=True)]

    def statement(self, **values) -> tuple[str, list]:
        """The SQL and parameters, to be part of a larger statement."""
        compiled = self._compiled(values)
        if compiled is None:
            return self._build(**values).query.sql_with_params()
        return compiled.sql, self._params(compiled, values)

    def _run(self, values: dict) -> tuple[_Compiled, list] | None:
        compiled = self._compiled(values)
        if compiled is None:
            return None
        with compiled.compiler.connection.cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values))
            rows = cursor.fetchall()
        if compiled.compiler.has_extra_select:
            rows = [row[: compiled.compiler.col_count] for row in rows]
        return compiled, rows

    @staticmethod
    def _params(compiled: _Compiled, values: dict) -> list:
        return [values[name] if name is not None else constant for name, constant in compiled.slots]

    def _compiled(self, values: dict) -> _Compiled | None:
        names = sorted(values)
        probes = {name: _probe(index, values[name]) for index, name in enumerate(names)}
        if None in probes.values():
            return None
        # Kept on the connection: SQL and its column converters are the connection's own, and a
        # connection belongs to one thread.
        cache = connections[DEFAULT_DB_ALIAS].__dict__.setdefault("compiled_reads", {})
        key = (self._key, tuple(names), tuple(type(values[name]) for name in names))
        if (compiled := cache.get(key)) is None:
            compiled = cache[key] = self._compile(self._build(**probes), probes)
        return compiled

    def _compile(self, queryset: QuerySet, probes: dict) -> _Compiled:
        compiler = queryset.query.get_compiler(using=DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        by_probe = {probe: name for name, probe in probes.items()}
        slots = tuple((by_probe[p], None) if p in by_probe else (None, p) for p in params)
        if missing := set(probes) - {name for name, _constant in slots}:
            raise ImproperlyConfigured(f"The values {sorted(missing)} are not parameters of the read as given.")
        if self._lock_shared and compiler.connection.vendor == "postgresql":
            # The ORM's own statement and the model's own table name (hence the nosec comment for bandit's B608).
            table = compiler.connection.ops.quote_name(queryset.model._meta.db_table)
            sql = f"{sql} FOR SHARE OF {table}"  # nosec
        return _Compiled(sql=sql, slots=slots, compiler=compiler)
