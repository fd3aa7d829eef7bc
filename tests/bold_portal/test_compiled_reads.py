"""Reads compiled once (bold_portal.compiled_reads): later calls give what the queryset itself would
for their own values, without building it again, and values that would change the SQL fall back
to the ORM."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, Q, prefetch_related_objects

from audiences.models import Membership
from bold_portal.compiled_reads import CompiledRead
from reviews.models import Review, RoundVersion, Verdict
from reviews.services.reviews import VerdictInput, review_save
from tests.factories import make_assignment, make_principle, make_reviewer, make_round, make_version

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


def test_a_relation_read_compiled_is_given_to_its_instance_as_a_prefetch_would_give_it(django_assert_num_queries):
    # Verdicts in their principles' order, one carried forward from a review of the version before.
    principles = [make_principle(), make_principle()]
    reviewer = make_reviewer()
    earlier = make_version()
    later = make_version(use_case=earlier.use_case, number=2)
    review_round = make_round(principles=principles)
    reviews = []
    for version in (earlier, later):
        make_assignment(review_round=review_round, version=version, reviewer=reviewer)
        answers = [VerdictInput(principle_id=p.pk, verdict="meets") for p in reversed(principles)]
        reviews.append(
            review_save(
                reviewer=reviewer,
                review_round=review_round,
                version=version,
                verdicts=answers,
                overall_comment="",
                expected_lock_version=0,
                submit=False,
            )
        )
    source = reviews[0].verdicts.get(principle=principles[1])
    Verdict.objects.filter(review=reviews[1], principle=principles[1]).update(carried_from=source)
    read = CompiledRead(
        lambda review_id: Verdict.objects.filter(review_id=review_id).select_related("carried_from__review__version")
    )

    def described(review):
        return [
            (v.pk, v.principle_id, v.review is review, v.carried_from and v.carried_from.review.version.number)
            for v in review.verdicts.all()
        ]

    for review in reviews:
        given, prefetched = Review.objects.get(pk=review.pk), Review.objects.get(pk=review.pk)
        with django_assert_num_queries(1):
            read.related(given, "verdicts", review_id=review.pk)
        prefetch_related_objects(
            [prefetched],
            Prefetch("verdicts", queryset=Verdict.objects.select_related("carried_from__review__version")),
        )
        with django_assert_num_queries(0):
            shown = described(given)
        assert shown == described(prefetched)
        assert [principle for _pk, principle, _known, _carried in shown] == [p.pk for p in principles]
    assert shown[1][3] == 1, "the later review's second verdict came from version 1"
