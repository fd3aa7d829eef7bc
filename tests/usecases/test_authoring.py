"""The authoring pages (docs/authors.md): start a use case, write its draft section by section,
data flows as rows without JavaScript, bad input kept on the page, a preview as reviewers read it,
publishing as a new, frozen version; an author of another audience gets a 404."""

import pytest
from django.urls import reverse

from audiences.services.audiences import audience_authors_add
from bold_portal.models import AuditEvent
from tests.factories import make_admin, make_audience, make_author, make_version
from tests.usecases.support import WRITTEN
from usecases.models import UseCase, UseCaseDraft, UseCaseVersion
from usecases.services import use_case_draft_save, use_case_draft_start, use_case_start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("written_parties")]


@pytest.fixture
def audience():
    return make_audience(name="People experiencing homelessness")


@pytest.fixture
def draft(author, audience):
    use_case = make_version(audience=audience, title="Version one").use_case
    return use_case_draft_start(use_case=use_case, actor=author)


def section_url(draft, section):
    return reverse("usecases:draft_section", args=[draft.use_case.slug, section])


def test_an_author_starts_a_use_case_for_their_audience(client, author, audience):
    client.force_login(author)

    response = client.post(reverse("usecases:new"), {"audience": audience.pk, "title": "Repeat homelessness"})

    use_case = UseCase.objects.get()
    assert response["Location"] == reverse("usecases:draft", args=[use_case.slug])
    assert use_case.draft.title == "Repeat homelessness" and not use_case.versions.exists()
    actions = AuditEvent.objects.filter(action__startswith="use_case").order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["use_case_created", "use_case_draft_started"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "A title"}, "Choose the audience the use case is for"),
        ({"title": ""}, "Enter a title for the use case"),
        ({"title": "x" * 201}, "Title must be 200 characters or fewer"),
        ({"title": "Bad\x00title"}, "hidden control character"),
    ],
)
def test_bad_input_on_starting_a_use_case_says_what_and_makes_nothing(client, author, audience, data, message):
    client.force_login(author)
    other = make_audience(name="Victims")
    data = {"audience": audience.pk, **data} if "audience" not in data and data.get("title") != "A title" else data

    response = client.post(reverse("usecases:new"), data)

    assert response.status_code == 200 and message in response.text
    assert "<title>Error:" in response.text
    assert not UseCase.objects.exists()
    assert other.name not in response.text, "only the author's own audiences are offered"


def test_another_audiences_author_gets_a_404_on_every_page_of_the_draft(client, draft):
    stranger = make_author()
    audience_authors_add(audience=make_audience(name="Victims"), users=[stranger], actor=None)
    client.force_login(stranger)
    slug = draft.use_case.slug
    pages = [
        reverse("usecases:draft", args=[slug]),
        reverse("usecases:draft_preview", args=[slug]),
        reverse("usecases:draft_publish", args=[slug]),
        section_url(draft, "impact"),
        section_url(draft, "data-flows"),
        reverse("authors:version", args=[slug, 1]),
    ]

    assert [client.get(page).status_code for page in pages] == [404] * len(pages)
    assert client.post(section_url(draft, "impact"), {"revision": 1, "title": "Taken over"}).status_code == 404
    assert client.post(reverse("usecases:draft_start", args=[slug])).status_code == 404
    assert (
        client.post(reverse("usecases:new"), {"audience": draft.use_case.audience.pk, "title": "X"}).status_code == 200
    )
    assert UseCase.objects.count() == 1, "an author cannot start a use case for another audience"
    draft.refresh_from_db()
    assert draft.title == "Version one"


def test_a_section_saves_however_incomplete_and_goes_on_to_the_next(client, author, draft):
    client.force_login(author)

    response = client.post(
        section_url(draft, "impact"), {"revision": draft.revision, "title": "", "impact_statement": ""}
    )

    assert response["Location"] == section_url(draft, "research-questions")
    draft.refresh_from_db()
    assert (draft.title, draft.impact_statement, draft.revision) == ("", "", 2)


def test_text_too_long_is_refused_and_kept_on_the_page(client, author, draft):
    client.force_login(author)
    typed = "x" * 10_001

    response = client.post(
        section_url(draft, "research-questions"), {"revision": draft.revision, "research_questions": typed}
    )

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert "Research questions must be 10,000 characters or fewer" in response.text
    assert typed in response.text
    draft.refresh_from_db()
    assert draft.revision == 1


def test_a_save_from_a_page_opened_before_someone_elses_save_is_refused_with_the_text_kept(client, author, draft):
    client.force_login(author)
    use_case_draft_save(draft=draft, revision=1, changes={"will_do": "Theirs"}, actor=author)

    response = client.post(section_url(draft, "will-do"), {"revision": 1, "will_do": "Mine, typed at length"})

    assert response.status_code == 409
    assert "Someone saved this draft after you opened it" in response.text
    assert "Mine, typed at length" in response.text
    draft.refresh_from_db()
    assert draft.will_do == "Theirs"


def flows_post(rows, *, revision, **buttons):
    data = {"flow-TOTAL_FORMS": len(rows), "flow-INITIAL_FORMS": 0, "revision": revision, **buttons}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"flow-{index}-{name}"] = value
    return data


ROW = {
    "information": "Release dates",
    "source": "HMPPS",
    "recipient": "ONS",
    "purpose": "Linking",
    "legal_basis": "DEA",
}


def test_data_flow_rows_are_added_and_removed_without_javascript(client, author, draft):
    client.force_login(author)
    url = section_url(draft, "data-flows")

    added = client.post(url, flows_post([ROW], revision=1, add="1"))
    draft.refresh_from_db()
    assert added["Location"] == f"{url}#flow-2"
    assert len(draft.data_flows) == 2 and draft.data_flows[0]["from"] == "HMPPS"
    page = client.get(url)
    assert 'id="flow-2"' in page.text and "Remove data flow 2" in page.text

    second = {**ROW, "information": "Housing status"}
    client.post(url, flows_post([ROW, second], revision=2, remove="0"))
    draft.refresh_from_db()
    assert [flow["information"] for flow in draft.data_flows] == ["Housing status"]

    saved = client.post(url, flows_post([second, dict.fromkeys(ROW, "")], revision=3, submit="1"))
    draft.refresh_from_db()
    assert saved["Location"] == section_url(draft, "will-do")
    assert len(draft.data_flows) == 1, "a row left wholly empty is not kept"


def test_a_data_flow_too_long_is_refused_with_every_row_kept(client, author, draft):
    client.force_login(author)
    before = list(draft.data_flows)

    response = client.post(
        section_url(draft, "data-flows"), flows_post([ROW, {**ROW, "purpose": "p" * 501}], revision=1, submit="1")
    )

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert "Purpose must be 500 characters or fewer" in response.text
    assert "p" * 501 in response.text and "Release dates" in response.text
    draft.refresh_from_db()
    assert draft.data_flows == before


def test_the_preview_shows_the_draft_with_the_reviewers_template(client, author, draft):
    client.force_login(author)
    use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author)

    response = client.get(reverse("usecases:draft_preview", args=[draft.use_case.slug]))

    assert response.status_code == 200
    assert "usecases/_version_text.html" in [template.name for template in response.templates]
    for text in ("Fewer prison leavers sleeping rough.", "Digital Economy Act 2017", "Trusted research environment."):
        assert text in response.text


def test_publishing_an_incomplete_draft_names_each_section_left_to_write(client, author, draft):
    client.force_login(author)
    use_case_draft_save(draft=draft, revision=1, changes={"consent": "", "data_flows": []}, actor=author)

    response = client.post(reverse("usecases:draft_publish", args=[draft.use_case.slug]), {"revision": 2})

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert "Write the section: Data flows" in response.text
    assert "Write the section: Consent, anonymity, impact on individuals and security" in response.text
    assert draft.use_case.versions.count() == 1 and UseCaseDraft.objects.filter(pk=draft.pk).exists()


def test_publishing_freezes_the_draft_as_the_next_version(client, author, draft):
    client.force_login(author)
    use_case_draft_save(draft=draft, revision=1, changes=WRITTEN, actor=author)

    response = client.post(
        reverse("usecases:draft_publish", args=[draft.use_case.slug]), {"revision": 2, "change_summary": "Says more"}
    )

    version = UseCaseVersion.objects.get(use_case=draft.use_case, number=2)
    assert response["Location"] == reverse("authors:version", args=[draft.use_case.slug, 2])
    assert (version.consent, version.security, version.change_summary) == (
        WRITTEN["consent"],
        WRITTEN["security"],
        "Says more",
    )
    assert version.data_flows == WRITTEN["data_flows"] and version.created_by == author
    assert not UseCaseDraft.objects.exists()
    assert AuditEvent.objects.filter(action="use_case_version_created", object_id=str(version.pk)).exists()
    assert not AuditEvent.objects.filter(action="interest_declared").exists(), "public bodies are nobody's interest"


def test_a_new_draft_starts_from_the_latest_version(client, author, audience):
    client.force_login(author)
    version = make_version(audience=audience, title="Published", consent="Asked")

    response = client.post(reverse("usecases:draft_start", args=[version.use_case.slug]))

    draft = UseCaseDraft.objects.get(use_case=version.use_case)
    assert response.status_code == 302
    assert (draft.title, draft.consent, draft.number) == ("Published", "Asked", 2)


def test_a_programme_admin_may_write_any_audiences_use_case(client, draft):
    client.force_login(make_admin())

    response = client.post(section_url(draft, "wont-do"), {"revision": 1, "wont_do": "Share names"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.wont_do == "Share names"


def test_an_unknown_section_is_a_404(client, author, draft):
    client.force_login(author)

    assert client.get(section_url(draft, "appendix")).status_code == 404


def test_a_use_cases_address_comes_from_its_title_made_unique_and_it_is_listed_last(author, audience):
    earlier = make_version(audience=audience).use_case

    first = use_case_start(audience=audience, title="Housing after prison", actor=author)
    second = use_case_start(audience=audience, title="Housing after prison", actor=author)

    assert (first.slug, second.slug) == ("housing-after-prison", "housing-after-prison-2")
    assert earlier.display_order < first.display_order < second.display_order


def test_what_changed_is_asked_only_when_there_is_a_last_version(client, author, audience):
    client.force_login(author)
    fresh = use_case_start(audience=audience, title="Housing after prison", actor=author)

    first = client.get(reverse("usecases:draft_publish", args=[fresh.slug]))

    assert "change_summary" not in first.text
    assert (
        'name="change_summary"' in client.get(reverse("usecases:draft_publish", args=[_revised(author, audience)])).text
    )


def _revised(author, audience) -> str:
    use_case = make_version(audience=audience).use_case
    use_case_draft_start(use_case=use_case, actor=author)
    return use_case.slug


def test_adding_a_row_past_the_most_is_refused_and_keeps_every_row(client, author, draft):
    client.force_login(author)
    rows = [{**ROW, "information": f"Category {n}"} for n in range(50)]

    response = client.post(section_url(draft, "data-flows"), flows_post(rows, revision=1, add="1"))

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert "Give at most 50 data flows; this has 51." in response.text
    assert "Category 49" in response.text
    draft.refresh_from_db()
    assert draft.revision == 1


def test_a_garbled_rows_form_is_refused_with_a_message(client, author, draft):
    client.force_login(author)

    response = client.post(section_url(draft, "data-flows"), {"revision": 1, "submit": "1"})

    assert response.status_code == 200 and "<title>Error:" in response.text
    assert "ManagementForm data is missing or has been tampered with" in response.text
    draft.refresh_from_db()
    assert draft.revision == 1


def test_a_section_sent_without_a_readable_revision_keeps_the_text(client, author, draft):
    client.force_login(author)

    response = client.post(section_url(draft, "will-do"), {"revision": "x", "will_do": "Typed with care"})

    assert response.status_code == 200
    assert "This page could not be read. Copy what you typed, then open the page again" in response.text
    assert "Typed with care" in response.text
    draft.refresh_from_db()
    assert draft.revision == 1
