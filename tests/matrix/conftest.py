import pytest
from django.test import TestCase

from reviews.models import ReviewRound
from tests.database import shared_by_module
from tests.matrix.analyst_support import load_demo


@pytest.fixture(scope="module")
def shared_demo(django_db_setup, django_db_blocker):
    """The report's demo data, loaded once for the tests of each module that ask for it (the demo
    data loads only into an empty database; tests/database.py)."""
    with shared_by_module(django_db_blocker):
        load_demo(TestCase.captureOnCommitCallbacks)
        yield ReviewRound.objects.get(slug="fieldwork-2023").pk


@pytest.fixture
def demo(shared_demo, db):
    """The demo's round, read afresh for each test (each test's changes are rolled back)."""
    return ReviewRound.objects.get(pk=shared_demo)
