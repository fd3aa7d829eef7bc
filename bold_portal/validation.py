"""Validating several model instances at once.

Django 5.2's `Model.full_clean` checks each `CheckConstraint` with a query of its own, inside a
savepoint of its own: three statements a constraint. A service that saves a review and its four
verdicts would spend 18 statements on constraints the database enforces anyway. `full_clean_all`
runs the rest of `full_clean` per instance (fields, choices, `clean`) and then checks every check
constraint of every instance in one statement: each check is the query Django would run for it,
joined by `UNION ALL`, and the statement returns the number of each check that holds."""

from collections.abc import Sequence

from django.core.exceptions import FieldError, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, CheckConstraint, Model, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query


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
    """Check every CheckConstraint of every instance in one statement (none when there is nothing to
    check). Raises a ValidationError with the violation message of each check that fails, as
    full_clean would, naming nothing else. Unique constraints are left to the caller (full_clean's
    validate_unique, or the database)."""
    parts, params, checks, problems = [], [], [], []
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
            compiled = _check_sql(constraint, against=against, using=using)
            if compiled is None:
                continue
            # Each check's own statement, numbered: the number is this module's own integer, the
            # statement the ORM's (hence the nosec comment for bandit's B608); values stay parameters.
            parts.append(f"SELECT {len(checks)} AS n FROM ({compiled[0]}) AS c{len(checks)}")  # nosec
            params.extend(compiled[1])
            checks.append(constraint)
    if checks:
        with connections[using].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            holding = {row[0] for row in cursor.fetchall()}
        problems += [
            ValidationError(c.get_violation_error_message(), code=c.violation_error_code)
            for n, c in enumerate(checks)
            if n not in holding
        ]
    if problems:
        raise ValidationError(problems)


def full_clean_all(instances: Sequence[Model], *, exclude: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS) -> None:
    """full_clean for each instance, without unique checks (left to the database, as the services
    that call this catch its IntegrityError), with every check constraint of all of them checked in
    one statement (check_constraints_validate) rather than three statements a constraint. Raises
    the first instance's field errors, as full_clean would, before any constraint is checked."""
    for instance in instances:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    check_constraints_validate(instances, exclude=exclude, using=using)
