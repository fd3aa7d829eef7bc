"""My reviews read from the stored items (reviews.models.ReviewerItem) shows what it shows counted
live: every page of each open round, its figures, the declined list and the closed rounds, for a
reviewer given use cases in person and through two organisations at different due dates, some
declined, some submitted, some drafts; and it stays so after every change that moves an item, each
made through its service with its after-commit work run as with Celery eager. A round never
refreshed is counted live. The page makes the same queries either way, at any size."""

import pytest
from django.db import transaction
from django.urls import reverse

from audiences.models import Membership
from audiences.services.memberships import membership_create, membership_remove
from reviews.models import ProgressHeader, Review, ReviewerItem, ReviewRound
from reviews.selectors import my_reviews as my_reviews_selectors
from reviews.services.assignments import assignment_create, assignment_due_change, assignment_reassign
from reviews.services.progress_counts import progress_counts_refresh
from reviews.services.requests import assignment_decline
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from tests.factories import close_round, make_assignment, make_organisation, make_reviewer, make_round, make_version
from tests.pages import NAVIGATION_QUERIES
from tests.reviews.conftest import days
from tests.reviews.test_my_reviews_paging import long_round

pytestmark = pytest.mark.django_db

SLUGS = ("long", "other", "spring")


def _item(item) -> tuple:
    return (item.round.slug, item.version.pk, item.due_on, item.status, item.is_declined, item.may_decline)


def _read(user, slugs) -> list:
    """Pages 1 to 4 of each of these rounds (and of the declined list), as the page would show them."""
    shown = []
    for slug in slugs:
        for page in (1, 2, 3, 4):
            result = my_reviews_selectors.my_reviews(user, shown_round=slug, page=page, declined_page=page)
            shown.append(
                (
                    [(g.round.slug, g.figures, g.page.number, [_item(i) for i in g.items]) for g in result.open_rounds],
                    [_item(i) for i in result.declined],
                    (result.declined_page.number, result.declined_page.paginator.count),
                    [(g.round.slug, g.figures, [_item(i) for i in g.items]) for g in result.closed_rounds],
                )
            )
    return shown


def assert_stored_is_live(user, slugs=SLUGS) -> list:
    """What My reviews shows the user of these rounds (every one of them open and refreshed) read
    from the stored items equals what it shows counted live."""
    open_rounds = ReviewRound.objects.filter(slug__in=slugs, status=ReviewRound.Status.OPEN)
    assert ProgressHeader.objects.filter(round__in=open_rounds).count() == open_rounds.count()
    stored = _read(user, slugs)
    with transaction.atomic():
        ProgressHeader.objects.all().delete()  # as if never refreshed: counted live
        live = _read(user, slugs)
        transaction.set_rollback(True)
    assert stored == live
    return stored


def save(world, review_round, version, *, submit: bool) -> Review:
    return review_save(
        reviewer=world.reviewer,
        review_round=review_round,
        version=version,
        verdicts=[VerdictInput(principle_id=world.relevant.pk, verdict="meets")],
        overall_comment="",
        expected_lock_version=0,
        submit=submit,
    )


@pytest.fixture
def given(world):
    """Two open rounds of 45 use cases given to the reviewer in person (five submitted; four more
    in the first, due on one day, titled out of order), some also
    through their organisation (earlier) and a second one of theirs (later, or the only way they
    are given); one declined in person, one declined by the second organisation's lead, one
    declined in person but still given through an organisation; a draft; the world's round; every
    round refreshed once."""
    long, versions, _ = long_round(world)
    other, _, _ = long_round(world, slug="other", name="Other round", closes_in=25, versions=versions)
    second = make_organisation(name="Second")
    Membership.objects.create(user=world.reviewer, organisation=second, role=Membership.Role.REVIEWER)
    lead = make_reviewer(organisation=second, role=Membership.Role.LEAD)
    for n in (0, 7, 12, 41):
        make_assignment(review_round=long, version=versions[n], organisation=world.organisation, due_on=days(-1))
    for n in (3, 20, 44):
        make_assignment(review_round=other, version=versions[n], organisation=second, due_on=days(2))
    make_assignment(review_round=other, version=versions[20], organisation=world.organisation, due_on=days(30))
    only_second = [make_version(audience=world.audience, title=f"Through Second {n}") for n in range(3)]
    for n, version in enumerate(only_second):
        make_assignment(review_round=other, version=version, organisation=second, due_on=days(n) if n else None)
    declined_here = make_assignment(
        review_round=long, version=make_version(title="Paged use case 99"), reviewer=world.reviewer
    )
    assignment_decline(assignment=declined_here, reason="Not our area.", actor=world.reviewer)
    assignment_decline(assignment=other.assignments.get(version=only_second[0]), reason="No capacity.", actor=lead)
    make_assignment(review_round=other, version=versions[25], organisation=second, due_on=days(1))
    assignment_decline(
        assignment=other.assignments.get(version=versions[25], reviewer=world.reviewer),
        reason="Given to us twice.",
        actor=world.reviewer,
    )
    save(world, long, versions[30], submit=False)
    # Due on one day, their titles out of the order they were made in and in mixed case.
    for title in ("zeta", "Alpha", "beta", "Gamma"):
        make_assignment(review_round=long, version=make_version(title=title), reviewer=world.reviewer, due_on=days(60))
    closed = make_round(principles=[world.relevant], name="Winter round")
    make_assignment(review_round=closed, version=versions[1], organisation=world.organisation)
    close_round(closed)
    for review_round in (long, other, world.round):
        progress_counts_refresh(round_id=review_round.pk)
    return {
        "long": long,
        "other": other,
        "closed": closed,
        "versions": versions,
        "second": second,
        "declined": declined_here,
        "declined_by_lead": only_second[0],
    }


def test_the_stored_items_show_what_the_live_count_shows(world, given):
    shown = assert_stored_is_live(world.reviewer)

    assert ReviewerItem.objects.filter(reviewer=world.reviewer).count() == 45 + 4 + 1 + 45 + 3 + 1
    first = shown[0]
    assert [(slug, figures.listed, figures.declined) for slug, figures, _n, _i in first[0]] == [
        ("long", 49, 1),
        ("other", 47, 1),
        ("spring", 1, 0),
    ]
    # Every round at its first page, and pages 2 and 3 of each long round.
    assert len({str(page[0]) for page in shown}) == 5
    assert [(item[0], item[1]) for item in first[1]] == [
        ("long", given["declined"].version_id),
        ("other", given["declined_by_lead"].pk),
    ]
    assert [slug for slug, _figures, _items in first[3]] == [given["closed"].slug], "counted live"


def test_a_round_with_stored_items_is_read_from_them(world, given):
    """The stored path is the one read: a stored item's due date is what the page shows."""
    item = ReviewerItem.objects.get(reviewer=world.reviewer, round=given["long"], version=given["versions"][39])
    item.due_on = days(-50)
    item.save(update_fields=["due_on"])

    result = my_reviews_selectors.my_reviews(world.reviewer, shown_round="long")

    long = next(g for g in result.open_rounds if g.round.slug == "long")
    assert long.figures.overdue == 8  # 7 before
    assert long.items[0].version == given["versions"][39]


def test_a_round_never_refreshed_is_counted_live(world, given):
    ProgressHeader.objects.filter(round=given["long"]).delete()
    ReviewerItem.objects.filter(round=given["long"]).delete()

    result = my_reviews_selectors.my_reviews(world.reviewer, shown_round="long")

    long = next(g for g in result.open_rounds if g.round.slug == "long")
    assert long.figures.listed == 49 and len(long.items) == 20


def test_the_stored_items_follow_every_change_that_moves_them(world, given, django_capture_on_commit_callbacks):
    long, other, versions = given["long"], given["other"], given["versions"]
    reviewer = world.reviewer

    third = make_organisation(name="Third")
    for n in (15, 16):
        make_assignment(review_round=long, version=versions[n], organisation=third, due_on=days(1))
    with django_capture_on_commit_callbacks(execute=True):
        membership_create(user=reviewer, organisation=third, role="reviewer", actor=None)
    assert_stored_is_live(reviewer)
    assert ReviewerItem.objects.get(reviewer=reviewer, round=long, version=versions[15]).due_on == days(1)

    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(membership=Membership.objects.get(user=reviewer, organisation=given["second"]), actor=None)
    assert_stored_is_live(reviewer)
    assert not ReviewerItem.objects.filter(reviewer=reviewer, round=other, title__startswith="through second")

    added = make_version(audience=world.audience, title="Given to the organisation later")
    long.versions.add(added)
    with django_capture_on_commit_callbacks(execute=True):
        made = assignment_create(
            review_round=long, version=added, organisation=world.organisation, due_on=days(4), actor=None
        )
    assert_stored_is_live(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_due_change(assignment=made, due_on=days(0), actor=None)
    assert_stored_is_live(reviewer)
    assert ReviewerItem.objects.get(reviewer=reviewer, round=long, version=added).due_on == days(0)

    with django_capture_on_commit_callbacks(execute=True):
        assignment_decline(
            assignment=long.assignments.get(version=versions[35], reviewer=reviewer), reason="Busy.", actor=reviewer
        )
    assert_stored_is_live(reviewer)
    assert ReviewerItem.objects.get(reviewer=reviewer, round=long, version=versions[35]).declined

    with django_capture_on_commit_callbacks(execute=True):
        assignment_reassign(assignment=given["declined"], reviewer=world.colleague, actor=None)
    assert_stored_is_live(reviewer)
    assert not ReviewerItem.objects.filter(reviewer=reviewer, version=given["declined"].version_id)

    with django_capture_on_commit_callbacks(execute=True):
        review = save(world, long, versions[20], submit=True)
    assert_stored_is_live(reviewer)
    assert ReviewerItem.objects.get(reviewer=reviewer, round=long, version=versions[20]).submitted

    with django_capture_on_commit_callbacks(execute=True):
        review_withdraw(review=review, actor=reviewer, expected_lock_version=review.lock_version)
    assert_stored_is_live(reviewer)
    assert not ReviewerItem.objects.get(reviewer=reviewer, round=long, version=versions[20]).submitted


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_stored_page_makes_the_same_queries_at_any_size(client, world, django_assert_num_queries, size):
    if size == "large":
        long, _versions, _ = long_round(world)
        progress_counts_refresh(round_id=long.pk)
    progress_counts_refresh(round_id=world.round.pk)
    client.force_login(world.reviewer)

    # session, user, the items shown with their rounds' figures, their assignments, navigation
    with django_assert_num_queries(4 + NAVIGATION_QUERIES):
        response = client.get(reverse("reviews:my_reviews") + "?round=long&page=2")
    assert response.status_code == 200
    assert ReviewerItem.objects.filter(reviewer=world.reviewer).count() == (46 if size == "large" else 1)
