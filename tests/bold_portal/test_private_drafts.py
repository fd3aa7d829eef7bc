"""Drafts stay private: the audit trail records that a draft changed and which fields, never their
content; the content rows written before this was so still hold is hidden on /manage/audit/, in its
CSV and in the Django admin (the rows themselves are never rewritten); and no draft text appears on
any admin page, export or API answer."""

import io
import re
import zipfile

import pytest
from django.contrib.admin import site
from django.test import Client
from django.urls import reverse

from bold_portal.models import AuditEvent, audit
from matrix.exporters.registry import EXPORTERS
from matrix.services.recompute import matrix_recompute
from matrix.services.tokens import api_token_create
from reviews.models import Review, RoundVersion
from reviews.services.reviews import VerdictInput, review_save
from tests.bold_portal.test_url_permissions import World, named_routes
from tests.matrix.api_support import bearer_client

pytestmark = pytest.mark.django_db

PHRASE = "Zanzibar-quokka-draft-7731"


def save_draft(reviewer, review_round, version, *, phrase=PHRASE, lock=0, verdict="does_not_meet") -> Review:
    return review_save(
        reviewer=reviewer,
        review_round=review_round,
        version=version,
        verdicts=[
            VerdictInput(
                principle_id=principle.pk,
                verdict=verdict,
                reason=f"Reason {phrase}",
                evidence=f"Evidence {phrase}",
                suggested_rewording=f"Rewording {phrase}",
            )
            for principle in review_round.principles.all()
        ],
        overall_comment=f"Comment {phrase}",
        expected_lock_version=lock,
        submit=False,
        organisation=reviewer.memberships.first().organisation,
    )


def text_of(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_a_draft_row_names_the_fields_that_changed_and_holds_none_of_their_content():
    world = World()
    reviewer = world.people["other_reviewer"]
    version = RoundVersion.objects.exclude(version=world.version).get(round=world.round).version
    first = save_draft(reviewer, world.round, version)
    save_draft(reviewer, world.round, version, phrase="second words", lock=first.lock_version)

    rows = AuditEvent.objects.filter(action="review_draft_saved", object_id=str(first.pk)).order_by("pk")
    assert [row.data["after"] for row in rows] == [{"status": "draft"}, {"status": "draft"}]
    assert PHRASE not in str([row.data for row in rows])
    assert "overall comment" in rows[0].data["fields_changed"]
    changed = rows[1].data["fields_changed"]
    assert "overall comment" in changed and not [name for name in changed if name.endswith(" verdict")]


def test_submitting_a_draft_records_what_was_submitted_not_the_draft_before_it():
    world = World()
    reviewer = world.people["other_reviewer"]
    version = RoundVersion.objects.exclude(version=world.version).get(round=world.round).version
    draft = save_draft(reviewer, world.round, version)
    review_save(
        reviewer=reviewer,
        review_round=world.round,
        version=version,
        verdicts=[VerdictInput(principle_id=p.pk, verdict="meets") for p in world.round.principles.all()],
        overall_comment="Submitted words",
        expected_lock_version=draft.lock_version,
        submit=True,
        organisation=reviewer.memberships.first().organisation,
    )
    row = AuditEvent.objects.get(action="review_submitted", object_id=str(draft.pk))
    assert row.data["before"] == {"status": "draft"}
    assert row.data["after"]["overall_comment"] == "Submitted words"
    assert PHRASE not in str(row.data)


@pytest.mark.slow  # a walk over every /manage/ and admin page, export and API answer: about 2.5 CPU-seconds
def test_no_admin_page_export_or_api_answer_shows_a_draft():
    world = World()
    reviewer = world.people["other_reviewer"]
    version = RoundVersion.objects.exclude(version=world.version).get(round=world.round).version
    draft = save_draft(reviewer, world.round, version)
    # Rows written before drafts were recorded without their content held it; they stay as written.
    old = audit(
        actor=reviewer,
        action="review_draft_saved",
        obj=draft,
        before={},
        after={
            "status": "draft",
            "overall_comment": f"Old {PHRASE}",
            "verdicts": [{"principle_id": 1, "verdict": "meets", "reason": f"Old {PHRASE}"}],
        },
    )
    old_submit = audit(
        actor=reviewer,
        action="review_submitted",
        obj=draft,
        before={"status": "draft", "overall_comment": f"Older {PHRASE}", "verdicts": []},
        after={"status": "submitted", "overall_comment": "What was submitted", "verdicts": []},
    )
    assert PHRASE in str(AuditEvent.objects.get(pk=old.pk).data), "the old row is not rewritten"
    matrix_recompute(round_id=world.round.pk)

    admin, superuser, analyst = (world.people[role] for role in ("admin", "superuser", "analyst"))
    seen: dict[str, str] = {}
    for role, person in (("admin", admin), ("superuser", superuser)):
        client = Client()
        client.force_login(person)
        for route in named_routes():
            if route.name.startswith("admin:"):
                continue
            url = reverse(route.name, kwargs=world.kwargs(route.name, route.kwargs))
            if not url.startswith("/manage/"):
                continue
            response = client.get(url)
            if response.status_code == 200:
                seen[f"{role} {url}"] = text_of(response)
        for query in ("", f"?object_type=reviews.review&object_id={draft.pk}", "?action=review_draft_saved"):
            seen[f"{role} audit{query}"] = text_of(client.get(f"/manage/audit/{query}"))
            seen[f"{role} audit csv{query}"] = text_of(client.get(f"/manage/audit/download/{query}"))

    client = Client()
    client.force_login(superuser)
    for model in site._registry:
        meta = model._meta
        pages = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        if site._registry[model].search_fields:  # the search box shows what was asked: count what it found
            found = client.get(pages[0], {"q": PHRASE}).context["cl"].result_count
            assert found == 0, f"a search of {meta.verbose_name_plural} finds a draft"
        pages += [
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
            for pk in model._default_manager.order_by("-pk").values_list("pk", flat=True)[:30]
        ]
        for page in pages:
            response = client.get(page)
            if response.status_code == 302:  # a draft's verdict has no page: the admin goes to its index
                assert model._meta.model_name == "verdict", page
                continue
            assert response.status_code == 200, page
            seen[page] = text_of(response)
    for pk in (old.pk, old_submit.pk):
        seen[f"audit admin {pk}"] = text_of(client.get(reverse("admin:bold_portal_auditevent_change", args=[pk])))

    for identifier, exporter in EXPORTERS.items():
        if identifier == "pdf":  # no review text in it: the matrix's outcomes and counts only
            continue
        body = exporter.render(world.round)
        if exporter.binary:
            with zipfile.ZipFile(io.BytesIO(body)) as workbook:
                body = b"".join(workbook.read(name) for name in workbook.namelist())
        seen[f"export {identifier}"] = body.decode()

    api = bearer_client(api_token_create(owner=analyst, name="Notebook", days=30)[1])
    slug, principle = world.round.slug, world.principle.slug
    for url in (
        reverse("api:rounds"),
        reverse("api:round", args=[slug]),
        reverse("api:matrix", args=[slug]),
        reverse("api:cell", args=[slug, version.use_case.slug, version.number, principle]),
        reverse("api:agreement", args=[slug]),
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        seen[url] = text_of(response)

    assert any("/manage/audit/" in place for place in seen) and len(seen) > 60
    shown = [place for place, text in seen.items() if PHRASE in text]
    assert not shown, f"a draft's text appears on: {shown}"
    # The old rows still say what happened, in words.
    assert re.search(r"overall comment", seen[f"audit admin {old.pk}"])
    assert "What was submitted" in seen[f"audit admin {old_submit.pk}"]
