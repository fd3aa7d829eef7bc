"""The language checker on an author's draft (docs/authors.md, docs/language-checker.md): its hits
beside each section's text as last saved, each with its suggestion and source, dismissed with a
reason; bad input says what and dismisses nothing; query counts do not grow with the hits."""

import pytest
from django.urls import reverse

from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent
from language.models import HitDismissal
from tests.factories import make_audience, make_author, make_version
from usecases.checking import hit_subject
from usecases.services import use_case_draft_save, use_case_draft_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return make_author()


@pytest.fixture
def draft(author):
    audience = make_audience(name="People experiencing homelessness", slug="homelessness")
    audience_authors_add(audience=audience, users=[author], actor=None)
    use_case = make_version(audience=audience, title="Version one").use_case
    return use_case_draft_start(use_case=use_case, actor=author)


def section_url(draft, section):
    if section is None:
        return reverse("usecases:draft", args=[draft.use_case.slug])
    return reverse("usecases:draft_section", args=[draft.use_case.slug, section])


def dismiss_url(draft, section="impact"):
    return reverse("usecases:draft_hit_dismiss", args=[draft.use_case.slug, section])


def save(draft, author, **changes):
    draft.refresh_from_db()
    use_case_draft_save(draft=draft, revision=draft.revision, changes=changes, actor=author)


def dismissal(**extra):
    return {"part": "impact_statement", "kind": "stigmatising", "text": "ex-offenders", "occurrence": 1, **extra}


def test_a_saved_hit_shows_beside_its_sections_text_with_its_suggestion_and_source(client, author, draft):
    client.force_login(author)
    client.post(
        section_url(draft, "impact"),
        {"revision": draft.revision, "title": "Housing", "impact_statement": "Fewer ex-offenders sleeping rough."},
    )

    section = client.get(section_url(draft, "impact")).text
    overview = client.get(reverse("usecases:draft", args=[draft.use_case.slug])).text

    assert "1 point to fix or dismiss" in section and "“ex-offenders”" in section
    assert "prison leaver" in section, "the suggestion"
    assert "Source:" in section and "Stigmatising or loaded term" in section
    assert "The language checker has 1 point to fix or dismiss" in overview
    assert "Nothing to fix in this section" in client.get(section_url(draft, "will-do")).text


def test_hits_in_the_data_flows_show_on_their_page(client, author, draft):
    client.force_login(author)
    flow = {"information": "Addicts' addresses", "from": "A", "to": "B", "purpose": "C", "legal_basis": "D"}
    save(draft, author, data_flows=[flow])

    page = client.get(section_url(draft, "data-flows")).text

    assert "1 point to fix or dismiss" in page
    assert "Addicts" in page.split('id="language-hits"')[1], "the hit, beside the rows"


def test_a_dismissed_hit_leaves_the_page_and_is_recorded_with_its_reason(client, author, draft):
    client.force_login(author)
    save(draft, author, impact_statement="Fewer ex-offenders sleeping rough.")

    response = client.post(dismiss_url(draft), dismissal(reason="Quoted from the charity's own report."))

    assert response["Location"] == section_url(draft, "impact")
    row = HitDismissal.objects.get()
    assert row.subject == hit_subject(draft.use_case_id, 2, "impact_statement")
    assert (row.text, row.reason, row.dismissed_by) == ("ex-offenders", "Quoted from the charity's own report.", author)
    assert AuditEvent.objects.filter(action="language_hit_dismissed").count() == 1
    assert "Nothing to fix in this section" in client.get(section_url(draft, "impact")).text


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({"reason": ""}, "Enter why this is not a problem here"),
        ({"reason": "   "}, "Enter why this is not a problem here"),
        ({"reason": "x" * 1001}, "The reason must be 1,000 characters or fewer"),
        ({"reason": "Bad\x00reason"}, "hidden control character"),
        ({"reason": "Fine", "text": "addicts"}, "This point is no longer in the text"),
        ({"reason": "Fine", "occurrence": 2}, "This point is no longer in the text"),
        ({"reason": "Fine", "occurrence": "first"}, "This point is no longer in the text"),
        ({"reason": "Fine", "kind": "nonsense"}, "This point is no longer in the text"),
        ({"reason": "Fine", "part": "change_summary"}, "This point is no longer in the text"),
    ],
)
def test_bad_input_on_dismissing_says_what_and_dismisses_nothing(client, author, draft, sent, message):
    client.force_login(author)
    save(draft, author, impact_statement="Fewer ex-offenders sleeping rough.")

    response = client.post(dismiss_url(draft), dismissal(**sent))

    assert response.status_code == 400 and "<title>Error:" in response.text
    assert message in response.text
    assert not HitDismissal.objects.exists()


def test_a_hit_dismissed_twice_is_refused_in_words(client, author, draft):
    client.force_login(author)
    save(draft, author, impact_statement="Fewer ex-offenders sleeping rough.")
    client.post(dismiss_url(draft), dismissal(reason="Quoted."))

    response = client.post(dismiss_url(draft), dismissal(reason="Again."))

    assert response.status_code == 400 and "This hit is already dismissed." in response.text
    assert HitDismissal.objects.count() == 1


def test_dismissing_is_for_the_use_cases_writers_only_and_by_post(client, author, draft):
    save(draft, author, impact_statement="Fewer ex-offenders sleeping rough.")
    stranger = make_author()
    audience_authors_add(audience=make_audience(name="Victims"), users=[stranger], actor=None)
    client.force_login(stranger)
    assert client.post(dismiss_url(draft), dismissal(reason="Mine now.")).status_code == 404
    client.force_login(author)
    assert client.get(dismiss_url(draft)).status_code == 405
    assert client.post(dismiss_url(draft, "no-such-section"), dismissal(reason="x")).status_code == 404
    assert not HitDismissal.objects.exists()


@pytest.mark.parametrize(("section", "queries"), [("impact", 11), ("data-flows", 12), (None, 16)])
def test_a_drafts_pages_make_as_many_queries_for_many_hits_as_for_one(
    client, author, draft, section, queries, django_assert_num_queries
):
    """section None: the draft's own page, with its task list and readiness checklist."""
    client.force_login(author)
    flow = {"information": "Addicts' records", "from": "A", "to": "B", "purpose": "C", "legal_basis": "D"}
    save(draft, author, impact_statement="Fewer ex-offenders.", data_flows=[flow])
    client.get(section_url(draft, section))  # sessions and caches warmed
    with django_assert_num_queries(queries):
        client.get(section_url(draft, section))
    save(draft, author, impact_statement="Fewer ex-offenders, addicts and the homeless. " * 10, data_flows=[flow] * 20)
    client.post(dismiss_url(draft), dismissal(reason="Quoted."))

    with django_assert_num_queries(queries):
        page = client.get(section_url(draft, section))

    assert "points to fix or dismiss" in page.text or "points still open" in page.text
