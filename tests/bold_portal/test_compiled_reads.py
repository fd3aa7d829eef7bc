"""Reads compiled once (bold_portal.compiled_reads): later calls give what the queryset itself would
for their own values, without building it again, and values that would change the SQL fall back
to the ORM."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from audiences.models import Membership
from bold_portal.compiled_reads import CompiledRead
from reviews.models import RoundVersion
from tests.factories import make_reviewer, make_round, make_version

pytestmark = pytest.mark.django_db


def counted(build):
    """build, counting how often it is called."""

    def wrapper(**values):
        wrapper.calls += 1
        return build(**values)

    wrapper.calls = 0
    return wrapper


def links(round_slug, use_case_slug, number):
    return (
        RoundVersion.objects.select_related("round", "version__use_case__audience")
        .filter(round__slug=round_slug, version__use_case__slug=use_case_slug, version__number=number)
        .order_by("pk")
    )


def test_each_call_reads_its_own_values_with_related_rows_and_builds_the_queryset_once(django_assert_num_queries):
    versions = [make_version(), make_version(), make_version(number=2)]
    rounds = [make_round(versions=versions[:2]), make_round(versions=versions[1:])]
    build = counted(links)
    read = CompiledRead(build)
    hits = 0

    for review_round in rounds:
        for version in versions:
            keys = {"round_slug": review_round.slug, "use_case_slug": version.use_case.slug, "number": version.number}
            with django_assert_num_queries(1):
                found = read.objects(**keys)
                # The round, the version, its use case and audience came with the link.
                shown = [
                    (f.round.name, f.version.title, f.version.use_case.slug, f.version.use_case.audience.name)
                    for f in found
                ]
            expected = list(links(**keys))
            assert found == expected
            hits += len(found)
            assert shown == [
                (e.round.name, e.version.title, e.version.use_case.slug, e.version.use_case.audience.name)
                for e in expected
            ]
    assert hits == 4 and build.calls == 1


def test_annotations_and_constants_of_the_query_keep_their_places():
    reviewer = make_reviewer(role=Membership.Role.LEAD)
    other = make_reviewer(role=Membership.Role.REVIEWER)
    read = CompiledRead(
        lambda user_id: Membership.objects.filter(Q(user_id=user_id) | Q(user_id=-1), role=Membership.Role.LEAD)
        .annotate(is_lead=Q(role=Membership.Role.LEAD))
        .values_list("user_id", "is_lead")
    )

    assert read.rows(user_id=reviewer.pk) == [(reviewer.pk, True)]
    assert read.rows(user_id=other.pk) == []


def test_a_value_that_would_change_the_sql_is_read_through_the_orm():
    make_reviewer()
    build = counted(lambda user_id: Membership.objects.filter(user_id=user_id).values_list("pk"))
    read = CompiledRead(build)

    assert read.rows(user_id=None) == []
    assert build.calls == 1
    assert "IS NULL" in read.statement(user_id=None)[0]


def test_a_value_the_orm_does_not_pass_as_given_is_refused_when_compiled():
    read = CompiledRead(lambda slug: Membership.objects.filter(organisation__slug__contains=slug))

    with pytest.raises(ImproperlyConfigured, match="slug"):
        read.objects(slug="some-organisation")
