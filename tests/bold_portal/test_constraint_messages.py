"""A refused change says in plain words what is wrong: no database constraint of the portal's
apps ever reaches a person by its name ("Constraint “round_threshold_range” is violated.")."""

import pytest
from django.apps import apps

from tests.portal_apps import PORTAL_APPS

CONSTRAINTS = [
    pytest.param(model, constraint, id=constraint.name)
    for model in apps.get_models()
    if model._meta.app_label in PORTAL_APPS
    for constraint in model._meta.constraints
]


def test_the_portal_has_constraints_to_check():
    assert len(CONSTRAINTS) > 10


@pytest.mark.parametrize(("model", "constraint"), CONSTRAINTS)
def test_every_constraint_has_its_own_message_in_plain_words(model, constraint):
    message = str(constraint.get_violation_error_message())

    assert constraint.violation_error_message != constraint.default_violation_error_message, (
        f"{model.__name__}: give {constraint.name} a violation_error_message"
    )
    assert constraint.name not in message
    assert "constraint" not in message.lower()
    assert message.endswith("."), "a sentence"
