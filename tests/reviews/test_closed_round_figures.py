"""A closed round's expected, submitted and missing figures are stored when it closes
(docs/admin-rounds.md, "Figures frozen at closing"): switching people off, adding members,
adding assignments or submitting later never moves them on the progress pages or the analysts'
rounds page, and both say the figures are as at closing."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership
from bold_portal.roles import ADMINS
from matrix.selectors.rounds import round_summaries
from reviews.models import Assignment, ClosedRoundFigure, Review, ReviewRound
from reviews.selectors.progress import group_progress, round_progress_totals, version_progress
from reviews.services.rounds import round_close, round_set_status
from tests.factories import (
    make_assignment,
    make_audience,
    make_organisation,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)

pytestmark = pytest.mark.django_db


def figures(review_round):
    review_round.refresh_from_db()
    totals = round_progress_totals(review_round)
    versions = {row.version_id: row.progress for row in version_progress(review_round)[0:50]}
    groups = {(row.kind, row.key): row.progress for row in group_progress(review_round)[0:50]}
    (summary,) = round_summaries([review_round])
    return totals, versions, groups, (summary.submitted, summary.expected)


@pytest.fixture
def world():
    audience = make_audience()
    st_basils = make_organisation(audiences=[audience], name="St Basils")
    nacro = make_organisation(audiences=[audience], name="Nacro")
    basils_people = [make_reviewer(organisation=st_basils) for _ in range(3)]
    nacro_people = [make_reviewer(organisation=nacro) for _ in range(2)]
    loner = make_user(email="loner@example.org")
    first, second = make_version(audience=audience), make_version(audience=audience)
    review_round = make_round(status=ReviewRound.Status.OPEN)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    make_assignment(review_round=review_round, version=first, organisation=st_basils, due_on=yesterday)
    make_assignment(review_round=review_round, version=second, organisation=nacro)
    make_assignment(review_round=review_round, version=second, reviewer=loner)
    Review.objects.create(
        round=review_round, version=first, reviewer=basils_people[0], status="submitted", submitted_at=timezone.now()
    )
    Review.objects.create(
        round=review_round, version=second, reviewer=nacro_people[0], status="submitted", submitted_at=timezone.now()
    )
    return {
        "round": review_round,
        "st_basils": st_basils,
        "nacro": nacro,
        "basils_people": basils_people,
        "nacro_people": nacro_people,
        "loner": loner,
        "versions": (first, second),
    }


def test_switching_people_off_or_adding_members_after_close_does_not_move_the_figures(world):
    review_round = world["round"]
    before = figures(review_round)
    round_close(review_round=review_round, actor=None)
    at_closing = figures(review_round)
    assert at_closing == before
    totals = at_closing[0]
    # St Basils: 3 members, 1 submitted, all overdue but the submitted one; Nacro: 2 and 1; loner: 1.
    assert (totals.expected, totals.submitted, totals.overdue) == (6, 2, 2)

    for person in (*world["basils_people"], world["nacro_people"][1], world["loner"]):
        person.is_active = False
        person.save()
    for organisation in (world["st_basils"], world["nacro"]):
        for _ in range(4):
            make_reviewer(organisation=organisation)
    Membership.objects.filter(user=world["nacro_people"][0]).delete()
    Assignment.objects.create(
        round=review_round, version=world["versions"][0], organisation=world["nacro"], due_on=None
    )
    assert figures(review_round) == at_closing

    # Counted live, the figures would have moved: the stored ones are what the pages read.
    ReviewRound.objects.filter(pk=review_round.pk).update(figures_frozen=False)
    assert figures(review_round) != at_closing


def test_overdue_stays_as_at_the_day_the_round_closed(world, monkeypatch):
    review_round = world["round"]
    round_close(review_round=review_round, actor=None)
    at_closing = figures(review_round)
    later = timezone.localdate() + datetime.timedelta(days=30)
    monkeypatch.setattr(timezone, "localdate", lambda *args: later)
    assert figures(review_round) == at_closing


def test_a_round_taken_out_of_closed_counts_live_again_and_is_frozen_afresh_when_closed_again(world):
    review_round = world["round"]
    round_close(review_round=review_round, actor=None)
    assert ClosedRoundFigure.objects.filter(round=review_round).exists()
    round_set_status(review_round=review_round, status=ReviewRound.Status.OPEN, actor=None)
    review_round.refresh_from_db()
    assert not review_round.figures_frozen and not ClosedRoundFigure.objects.filter(round=review_round).exists()
    make_reviewer(organisation=world["st_basils"])
    round_close(review_round=review_round, actor=None)
    assert figures(review_round)[0].expected == 7


def test_a_round_closed_before_figures_were_stored_still_counts_live(world):
    review_round = world["round"]
    ReviewRound.objects.filter(pk=review_round.pk).update(status="closed", closed_at=timezone.now())
    review_round.refresh_from_db()
    assert not review_round.figures_frozen
    assert figures(review_round)[0].expected == 6
    make_reviewer(organisation=world["st_basils"])
    assert figures(review_round)[0].expected == 7


def test_the_pages_say_the_figures_are_as_at_closing(client, world):
    review_round = world["round"]
    admin = make_user(email="programme.admin@bold.example")
    admin.groups.add(Group.objects.get(name=ADMINS))
    client.force_login(admin)
    progress_url = reverse("rounds:progress", args=[review_round.slug])
    assert "as at closing" not in client.get(progress_url).content.decode()
    round_close(review_round=review_round, actor=admin)
    for person in world["basils_people"]:
        person.is_active = False
        person.save()
    page = client.get(progress_url).content.decode()
    assert "2 of 6 expected reviews submitted" in page
    assert "These figures are as at closing" in page
    assert "as at closing" in client.get(reverse("rounds:assign", args=[review_round.slug])).content.decode()
    analyst_page = client.get(reverse("matrix:rounds")).content.decode()
    assert "(as at closing)" in analyst_page
