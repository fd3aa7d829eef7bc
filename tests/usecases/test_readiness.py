"""The readiness checklist (docs/authors.md): each line fires when its part is missing and not when
it is there, the checker's points count until fixed or dismissed, the draft's and the version's
pages show it as a task list, and many versions are checked in as many queries as one."""

import pytest
from django.urls import reverse

from audiences.services.audiences import audience_authors_add
from language.services import language_hit_dismiss
from tests.factories import make_audience, make_author, make_version
from tests.usecases.support import WRITTEN
from usecases.checking import dismiss_target
from usecases.readiness import version_readiness
from usecases.services import use_case_draft_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def audience():
    return make_audience(name="Reducing Reoffending", slug="reducing-reoffending")


def ready_version(audience, **changes):
    return make_version(audience=audience, **{**WRITTEN, "title": "Housing after release", **changes})


def undone(version) -> list[str]:
    return [check.code for check in version_readiness([version])[version.pk].checks if not check.done]


def test_a_version_with_everything_is_ready(audience):
    version = ready_version(audience)
    assert undone(version) == []
    assert version_readiness([version])[version.pk].ready


@pytest.mark.parametrize(
    ("changes", "fires"),
    [
        ({"impact_statement": ""}, ["sections", "impact"]),
        ({"data_flows": []}, ["sections", "data-flows"]),
        ({"data_flows": [{"information": "Dates", "from": "A", "to": "B"}]}, ["sections", "data-flows"]),
        ({"security": ""}, ["sections", "concerns"]),
        ({"will_do": ""}, ["sections"]),
        ({"impact_statement": "Fewer ex-offenders sleeping rough."}, ["language"]),
    ],
)
def test_each_line_fires_when_its_part_is_missing(audience, changes, fires):
    assert undone(ready_version(audience, **changes)) == fires


def test_a_dismissed_point_no_longer_counts_and_a_dismissal_in_the_draft_holds_for_the_version(audience):
    author = make_author()
    version = ready_version(audience, impact_statement="Fewer ex-offenders sleeping rough.")
    target = dismiss_target(
        version, number=1, part="impact_statement", kind="stigmatising", text="ex-offenders", occurrence=1
    )

    language_hit_dismiss(subject=target.subject, hits=target.hits, hit=target.hit, reason="Quoted.", actor=author)

    assert undone(version) == []


def test_the_draft_and_version_pages_show_the_checklist(client, audience):
    author = make_author()
    audience_authors_add(audience=audience, users=[author], actor=None)
    version = ready_version(audience, security="")
    use_case_draft_start(use_case=version.use_case, actor=author)
    client.force_login(author)

    for url in (
        reverse("usecases:draft", args=[version.use_case.slug]),
        reverse("authors:version", args=[version.use_case.slug, 1]),
    ):
        page = client.get(url).text
        assert 'id="readiness-checklist"' in page and "govuk-task-list" in page
        assert "2 things to do before review." in page
        assert "Consent, anonymity, impact on individuals and security answered" in page


def test_many_versions_are_checked_in_as_many_queries_as_one(audience, django_assert_num_queries):
    one = [ready_version(audience)]
    many = [*one, *(ready_version(audience, impact_statement="Addicts. " * 3) for _ in range(20))]

    with django_assert_num_queries(3):
        version_readiness(one)
    with django_assert_num_queries(3):
        assert sum(not each.ready for each in version_readiness(many).values()) == 20
