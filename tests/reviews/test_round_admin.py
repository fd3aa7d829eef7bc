"""Changing a round's rule in the admin brings its matrix up to date."""

from decimal import Decimal

import pytest

from bold_portal.models import AuditEvent
from principles.models import MatrixSnapshot
from reviews.models import Verdict
from reviews.services import VerdictInput, review_save
from tests.factories import make_principle, make_reviewer, make_round, make_user, make_version

pytestmark = pytest.mark.django_db


def test_saving_a_round_in_the_admin_recomputes_its_matrix(client, django_capture_on_commit_callbacks):
    principle = make_principle(slug="relevant")
    version = make_version()
    review_round = make_round(principles=[principle], versions=[version], min_reviews=2)
    for verdict in (Verdict.Choice.MEETS, Verdict.Choice.DOES_NOT_MEET):
        with django_capture_on_commit_callbacks(execute=True):
            review_save(
                reviewer=make_reviewer(),
                review_round=review_round,
                version=version,
                verdicts=[VerdictInput(principle_id=principle.pk, verdict=verdict, reason="Because")],
                overall_comment="",
                expected_lock_version=0,
                submit=True,
            )
    cell = MatrixSnapshot.objects.get(round=review_round).data["rows"][0]["cells"]["relevant"]
    assert cell["outcome"] == "cross"  # 1 of 2 is a tie under a simple majority

    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    form = {
        "name": review_round.name,
        "slug": review_round.slug,
        "status": "closed",
        "threshold": "0.40",
        "min_reviews": "2",
        "is_blind": "on",
        "show_aggregate_to_reviewers": "on",
        "principles": [principle.pk],
        "versions": [version.pk],
        "assignments-TOTAL_FORMS": "0",
        "assignments-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/reviews/reviewround/{review_round.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]

    review_round.refresh_from_db()
    assert review_round.threshold == Decimal("0.40")
    event = AuditEvent.objects.get(action="round_settings_changed")
    assert (event.actor, event.data["status"], event.data["threshold"]) == (admin, "closed", "0.40")
    cell = MatrixSnapshot.objects.get(round=review_round).data["rows"][0]["cells"]["relevant"]
    assert cell["outcome"] == "tick"  # 1 > 0.4 x 2
