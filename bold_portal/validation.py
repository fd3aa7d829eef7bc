"""Validating several model instances at once.

Django 5.2's `Model.full_clean` checks each `CheckConstraint` with a query of its own, inside a
savepoint of its own: three statements a constraint. A service that saves a review and its four
verdicts would spend 18 statements on constraints the database enforces anyway. `full_clean_all`
runs the rest of `full_clean` per instance (fields, choices, `clean`) and then checks every check
constraint of every instance without a statement where it can, and the rest in one statement.

That query reads no table: Django puts the instance's values into it as constants. So a condition
made only of comparisons of a field with a constant or another field of the same instance (`exact`,
`in`, `isnull`, `gt`, `gte`, `lt`, `lte`), joined by AND, OR and NOT, is worked out in Python with
SQL's rules for NULL (a comparison with NULL is unknown, and an unknown condition holds, as
Django's own check counts it). Anything else (a function, a transform, values of types that SQL
would convert before comparing) is checked by the database: each such check is the query Django
would run for it, joined by `UNION ALL`, and the statement returns the number of each check that
holds."""

import datetime
import operator
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import EmptyResultSet, FieldError, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, CheckConstraint, F, Model, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query

_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
# Values compared in Python only with values of the same kind: SQL would convert the others first.
# A datetime is a date in Python, so it is its own kind, as a bool is not a number here.
_KINDS = ((bool,), (str,), (int, Decimal, float), (datetime.datetime,), (datetime.date,))
# The constraint reads a field left out of the check: Django skips it then, and so does this.
_SKIPPED = object()


class _NeedsDatabase(Exception):
    """The condition holds something Python does not work out as the database would."""


def _kind(value) -> tuple[int, bool]:
    for number, types in enumerate(_KINDS):
        if isinstance(value, types):
            # A naive and an aware datetime: the database would see them through the time zone.
            return number, isinstance(value, datetime.datetime) and value.tzinfo is not None
    raise _NeedsDatabase


def _compared(lookup: str, value, other) -> bool | None:
    if lookup == "isnull":
        if not isinstance(other, bool):
            raise _NeedsDatabase
        return (value is None) is other
    if lookup == "exact" and other is None:  # Django reads field=None as field IS NULL
        return value is None
    if value is None:
        return None
    if lookup == "in":
        if not isinstance(other, list | tuple | set | frozenset):
            raise _NeedsDatabase
        choices = [choice for choice in other if choice is not None]  # Django leaves NULL out of IN
        if not choices or any(_kind(choice) != _kind(value) for choice in choices):
            raise _NeedsDatabase
        return value in choices
    if other is None or _kind(value) != _kind(other):
        raise _NeedsDatabase
    if lookup != "exact" and isinstance(value, str):  # text is ordered by the database's collation
        raise _NeedsDatabase
    return _COMPARISONS[lookup](value, other)


def _field_value(name: str, against: dict):
    if name not in against:
        return _SKIPPED
    expression = against[name]
    if not isinstance(expression, Value):
        raise _NeedsDatabase
    return expression.value


def _holds(condition, against: dict):
    """Whether condition holds for the values against maps: True, False, None (unknown, as SQL's
    NULL), or _SKIPPED. Raises _NeedsDatabase for a condition left to the database."""
    if isinstance(condition, Q):
        if condition.connector not in (Q.AND, Q.OR):
            raise _NeedsDatabase
        results = [_holds(child, against) for child in condition.children]
        if any(result is _SKIPPED for result in results):
            return _SKIPPED
        decisive = condition.connector == Q.OR  # True decides an OR, False an AND
        if any(result is decisive for result in results):
            result = decisive
        elif any(result is None for result in results):
            result = None
        else:
            result = not decisive
        return not result if condition.negated and result is not None else result
    if not isinstance(condition, tuple):
        raise _NeedsDatabase
    path, other = condition
    name, _separator, lookup = path.partition("__")
    lookup = lookup or "exact"
    if lookup not in (*_COMPARISONS, "in", "isnull"):
        raise _NeedsDatabase
    value = _field_value(name, against)
    other_field = isinstance(other, F)
    if other_field:
        other = _field_value(other.name, against)
    elif hasattr(other, "resolve_expression"):
        raise _NeedsDatabase
    if value is _SKIPPED or other is _SKIPPED:
        return _SKIPPED
    if other_field and other is None:
        return None  # compared with NULL: Django writes IS NULL only for a constant None
    return _compared(lookup, value, other)


def check_holds_in_python(constraint: CheckConstraint, against: dict):
    """True or False if Python can tell whether the check holds for the values against maps (an
    unknown result holds, as in Django's check); _SKIPPED if it reads a field left out; None if
    the database must say."""
    try:
        result = _holds(Q(constraint.condition), against)
    except (_NeedsDatabase, TypeError):
        return None
    return result if result is _SKIPPED else result is not False


def _check_sql(constraint: CheckConstraint, *, against: dict, using: str) -> tuple[str, list] | None:
    """The statement Django's CheckConstraint.validate runs for an instance whose fields against
    maps (one row when the check holds), or None when the check reads a field left out, as Django
    then skips it."""
    query = Query(None)
    for name, value in against.items():
        query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
    query.add_annotation(Value(1), "_check")
    condition = Q(constraint.condition)
    try:
        if connections[using].features.supports_comparing_boolean_expr:
            query.add_q(Q(Coalesce(condition, True, output_field=BooleanField())))
        else:
            query.add_q(condition)
    except FieldError:
        return None
    sql, params = query.get_compiler(using=using).as_sql()
    return sql, list(params)


def check_constraints_validate(
    instances: Sequence[Model], *, exclude: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS
) -> None:
    """Check every CheckConstraint of every instance: in Python where check_holds_in_python can
    tell, the rest in one statement (none when nothing is left to the database). Raises a
    ValidationError with the violation message of each check that fails, as full_clean would,
    naming nothing else. Unique constraints are left to the caller (full_clean's
    validate_unique, or the database)."""
    parts, params, problems = [], [], []
    # Each check with whether it holds, or the number of its part of the statement.
    checks: list[tuple[CheckConstraint, bool | int]] = []
    for instance in instances:
        against = None
        for constraint in instance._meta.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            if type(constraint).validate is not CheckConstraint.validate:
                # A check that validates itself without a query (bold_portal.text.TextLengthLimit).
                try:
                    constraint.validate(type(instance), instance, exclude=set(exclude), using=using)
                except ValidationError as error:
                    problems.append(error)
                continue
            if against is None:
                against = instance._get_field_expression_map(meta=instance._meta, exclude=set(exclude))
            holds = check_holds_in_python(constraint, against)
            if holds is not None:
                if holds is not _SKIPPED:
                    checks.append((constraint, holds))
                continue
            try:
                compiled = _check_sql(constraint, against=against, using=using)
            except EmptyResultSet:  # the ORM found it false without the database, as Django's check then says
                checks.append((constraint, False))
                continue
            if compiled is None:
                continue
            # Each check's own statement, numbered: the number is this module's own integer, the
            # statement the ORM's (hence the nosec comment for bandit's B608); values stay parameters.
            parts.append(f"SELECT {len(parts)} AS n FROM ({compiled[0]}) AS c{len(parts)}")  # nosec
            params.extend(compiled[1])
            checks.append((constraint, len(parts) - 1))
    holding = set()
    if parts:
        with connections[using].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            holding = {row[0] for row in cursor.fetchall()}
    problems += [
        ValidationError(c.get_violation_error_message(), code=c.violation_error_code)
        for c, holds in checks
        if holds is False or (holds is not True and holds not in holding)
    ]
    if problems:
        raise ValidationError(problems)


def full_clean_all(instances: Sequence[Model], *, exclude: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS) -> None:
    """full_clean for each instance, without unique checks (left to the database, as the services
    that call this catch its IntegrityError), with every check constraint of all of them checked in
    Python or one statement (check_constraints_validate) rather than three statements a constraint. Raises
    the first instance's field errors, as full_clean would, before any constraint is checked."""
    for instance in instances:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    check_constraints_validate(instances, exclude=exclude, using=using)
