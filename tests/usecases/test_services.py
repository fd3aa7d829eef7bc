"""use_case_create: a use case and its first version in one transaction, with their audit rows;
an archived audience is refused."""

import pytest
from django.core.exceptions import ValidationError

from bold_portal.models import AuditEvent
from tests.factories import make_audience, make_user
from usecases.models import UseCase
from usecases.services import use_case_create

pytestmark = pytest.mark.django_db

TEXT = {
    "title": "Repeat homelessness",
    "impact_statement": "Why it matters.",
    "research_questions": ["How many return?", "What helps?"],
    "data_flows": [{"information": "Outcomes", "from": "Councils", "to": "ONS"}],
    "will_do": ["Count"],
    "wont_do": ["Name anyone"],
}


def test_a_use_case_is_made_with_its_first_version_and_both_audited():
    author = make_user()

    use_case = use_case_create(audience=make_audience(), slug="repeat", actor=author, **TEXT)

    version = use_case.versions.get()
    assert (version.number, version.research_question_list, version.created_by) == (
        1,
        TEXT["research_questions"],
        author,
    )
    events = list(AuditEvent.objects.order_by("pk").values_list("action", "object_id", "actor"))
    assert events == [
        ("use_case_created", str(use_case.pk), author.pk),
        ("use_case_version_created", str(version.pk), author.pk),
    ]


def test_an_archived_audience_is_refused_and_nothing_is_made():
    archived = make_audience(name="Care leavers", is_archived=True)

    with pytest.raises(ValidationError) as refused:
        use_case_create(audience=archived, slug="repeat", actor=make_user(), **TEXT)

    assert refused.value.message_dict == {"audience": ["Care leavers is archived: choose another audience"]}
    assert not UseCase.objects.exists() and not AuditEvent.objects.exists()


def test_a_bad_first_version_leaves_no_use_case_behind():
    with pytest.raises(ValidationError):
        use_case_create(audience=make_audience(), slug="repeat", actor=make_user(), **{**TEXT, "data_flows": [{}]})

    assert not UseCase.objects.exists() and not AuditEvent.objects.exists()
