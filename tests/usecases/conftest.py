"""Fixtures of the authoring tests: an audience, an author of it, and the data parties a written
draft names."""

import pytest

from audiences.services.audiences import audience_authors_add
from tests.factories import make_audience, make_author
from tests.usecases.support import make_written_parties


@pytest.fixture
def audience():
    return make_audience(name="Reducing reoffending")


@pytest.fixture
def author(audience):
    person = make_author()
    audience_authors_add(audience=audience, users=[person], actor=None)
    return person


@pytest.fixture
def written_parties():
    make_written_parties()
