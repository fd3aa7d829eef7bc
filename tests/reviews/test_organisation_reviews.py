"""Your organisation's reviews: a lead sees how their colleagues are getting on in open rounds,
as statuses and dates only, never what anyone said."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from audiences.models import Membership
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS
from reviews.models import ReviewRound
from reviews.selectors import not_submitted as pending
from reviews.selectors import organisations as selectors
from reviews.services.progress_counts import progress_counts_refresh
from reviews.services.reviews import VerdictInput, review_save, review_withdraw
from tests.factories import (
    close_round,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_user,
    make_version,
)
from tests.pages import NAVIGATION_QUERIES, main_content

pytestmark = pytest.mark.django_db

VERDICT_REASON = "It assumes that everyone in the group has offended."
EVIDENCE = "The second research question"
REWORDING = "Say people who use drugs or alcohol."
OVERALL_COMMENT = "A careful draft overall."


class Organisation:
    """Crisis, with a lead and three reviewers, assigned two use cases in one open round: one to
    the whole organisation (due yesterday) and one to a single reviewer (due in a week)."""

    def __init__(self):
        today = timezone.localdate()
        self.audience = make_audience(name="Homelessness")
        self.organisation = make_organisation(name="Crisis", slug="crisis", audiences=[self.audience])
        self.lead = make_reviewer(
            organisation=self.organisation, role=Membership.Role.LEAD, email="lead@crisis.example", full_name="Lee"
        )
        self.amara = make_reviewer(organisation=self.organisation, email="amara@crisis.example", full_name="Amara")
        self.ben = make_reviewer(organisation=self.organisation, email="ben@crisis.example", full_name="Ben")
        self.chris = make_reviewer(organisation=self.organisation, email="chris@crisis.example")
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.round = make_round(
            principles=[self.relevant], name="Winter review", slug="winter", closes_on=today + datetime.timedelta(30)
        )
        self.shared = make_version(audience=self.audience, title="Repeat homelessness")
        self.personal = make_version(audience=self.audience, title="Homelessness and spending time in prison")
        make_assignment(
            review_round=self.round,
            version=self.shared,
            organisation=self.organisation,
            due_on=today - datetime.timedelta(1),
        )
        make_assignment(
            review_round=self.round,
            version=self.personal,
            reviewer=self.amara,
            due_on=today + datetime.timedelta(7),
        )
        self.url = reverse("reviews:organisation_reviews", args=[self.organisation.slug])

    def save(self, reviewer, version=None, *, submit=True, verdict="does_not_meet"):
        return review_save(
            reviewer=reviewer,
            review_round=self.round,
            version=version or self.shared,
            verdicts=[
                VerdictInput(
                    principle_id=self.relevant.pk,
                    verdict=verdict,
                    reason=VERDICT_REASON,
                    evidence=EVIDENCE,
                    suggested_rewording=REWORDING,
                )
            ],
            overall_comment=OVERALL_COMMENT,
            expected_lock_version=0,
            submit=submit,
            organisation=self.organisation,
        )


@pytest.fixture
def crisis(db):
    return Organisation()


def in_group(group_name):
    user = make_user()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def words(html: str) -> str:
    """Text without tags or repeated spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def text(response) -> str:
    return words(main_content(response))


def card(response, title) -> str:
    """The words of the summary card of the use case with this title."""
    content = main_content(response).split('<h2 class="govuk-heading-m">People in your organisation')[0]
    cards = [words(part) for part in content.split('<div class="govuk-summary-card">')[1:]]
    (found,) = [c for c in cards if c.startswith(title)]
    return found


# Permissions


def test_anonymous_visitors_are_sent_to_sign_in(client, crisis, settings):
    settings.LOGIN_URL = "/sign-in/"
    response = client.get(crisis.url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=")


@pytest.mark.parametrize("who", ["lead", "admin", "superuser"])
def test_the_organisations_lead_and_admins_see_the_page(client, crisis, who):
    person = {
        "lead": lambda: crisis.lead,
        "admin": lambda: in_group(ADMINS),
        "superuser": lambda: make_user(is_superuser=True, is_staff=True),
    }[who]()
    client.force_login(person)
    response = client.get(crisis.url)
    assert response.status_code == 200
    assert "Your organisation's reviews" in text(response)


@pytest.mark.parametrize("who", ["reviewer", "other_lead", "analyst", "author"])
def test_everyone_else_gets_not_found(client, crisis, who):
    person = {
        "reviewer": lambda: crisis.amara,
        "other_lead": lambda: make_reviewer(role=Membership.Role.LEAD),
        "analyst": lambda: in_group(ANALYSTS),
        "author": lambda: in_group(AUTHORS),
    }[who]()
    client.force_login(person)
    assert client.get(crisis.url).status_code == 404


def test_a_lead_of_one_organisation_and_reviewer_of_another_sees_only_the_one_they_lead(client, crisis):
    other = make_organisation(name="Nacro", slug="nacro")
    Membership.objects.create(user=crisis.lead, organisation=other, role=Membership.Role.REVIEWER)
    client.force_login(crisis.lead)
    assert client.get(reverse("reviews:organisation_reviews", args=["nacro"])).status_code == 404
    assert client.get(crisis.url).status_code == 200


def test_an_unknown_organisation_is_not_found(client, crisis):
    client.force_login(crisis.lead)
    assert client.get(reverse("reviews:organisation_reviews", args=["no-such-organisation"])).status_code == 404


def test_the_page_only_answers_get(client, crisis):
    client.force_login(crisis.lead)
    assert client.post(crisis.url).status_code == 405


# What the page shows


def test_an_organisation_assignment_lists_every_member_with_a_status(client, crisis):
    crisis.save(crisis.amara, submit=False)
    crisis.save(crisis.ben)
    withdrawn = crisis.save(crisis.chris)
    review_withdraw(review=withdrawn, actor=crisis.chris, expected_lock_version=withdrawn.lock_version)
    client.force_login(crisis.lead)

    shared = card(client.get(crisis.url), "Repeat homelessness")

    assert "Audience Homelessness" in shared
    yesterday = timezone.localdate() - datetime.timedelta(1)
    assert f"Due {yesterday:%-d %B %Y}" in shared
    # The lead is not expected by default: the organisation has other members.
    assert "Submitted 1 of 3 (2 overdue)" in shared
    assert "Amara Overdue Draft" in shared
    assert "Ben Submitted" in shared and "Ben Overdue" not in shared
    assert "chris@crisis.example Overdue Withdrawn" in shared
    assert "Lee" not in shared


def test_people_whose_accounts_are_switched_off_are_not_expected(client, crisis):
    crisis.chris.is_active = False
    crisis.chris.save()
    client.force_login(crisis.lead)

    response = client.get(crisis.url)

    assert "chris@crisis.example" not in text(response)
    assert "Submitted 0 of 2" in card(response, "Repeat homelessness")


def test_a_personal_assignment_lists_only_that_person(client, crisis):
    client.force_login(crisis.lead)

    personal = card(client.get(crisis.url), "Homelessness and spending time in prison")

    assert "Amara Not started" in personal
    assert "Overdue" not in personal
    assert "Ben" not in personal and "Lee" not in personal
    assert "Submitted 0 of 1" in personal


def test_someone_assigned_in_person_and_through_the_organisation_appears_once_with_the_earlier_date(client, crisis):
    earlier = crisis.round.assignments.get(version=crisis.shared).due_on - datetime.timedelta(3)
    make_assignment(review_round=crisis.round, version=crisis.shared, reviewer=crisis.ben, due_on=earlier)
    client.force_login(crisis.lead)

    shared = card(client.get(crisis.url), "Repeat homelessness")

    assert shared.count("Ben") == 1
    assert f"Due {earlier:%-d %B %Y}" in shared
    assert "Submitted 0 of 3" in shared


def test_a_personal_assignment_to_a_member_counts_even_when_given_for_another_organisation(client, crisis):
    """The lead sees everything asked of their members, whichever organisation asked."""
    elsewhere = make_round(principles=[crisis.relevant], name="Spring review", slug="spring")
    make_assignment(review_round=elsewhere, version=make_version(title="Accessing support"), reviewer=crisis.ben)
    client.force_login(crisis.lead)

    # One round at a time: the other open round is a link away.
    assert 'href="?round=spring#round"' in main_content(client.get(crisis.url))
    words = text(client.get(crisis.url + "?round=spring"))

    assert "Spring review" in words
    assert "Accessing support" in words
    assert "No due date" in words


def test_only_open_rounds_are_shown(client, crisis):
    for status, title in [(ReviewRound.Status.DRAFT, "Draft round use case"), (ReviewRound.Status.CLOSED, "Closed")]:
        other = make_round(principles=[crisis.relevant], status=status)
        make_assignment(review_round=other, version=make_version(title=title), organisation=crisis.organisation)
    client.force_login(crisis.lead)

    words = text(client.get(crisis.url))

    assert "Draft round use case" not in words
    assert "Closed" not in words
    assert "Winter review" in words


def test_other_organisations_assignments_are_not_shown(client, crisis):
    nacro = make_organisation(name="Nacro")
    make_reviewer(organisation=nacro, email="someone@nacro.example")
    make_assignment(review_round=crisis.round, version=make_version(title="Risk of re-offending"), organisation=nacro)
    client.force_login(crisis.lead)

    words = text(client.get(crisis.url))

    assert "Risk of re-offending" not in words
    assert "someone@nacro.example" not in words


def test_an_organisation_with_nothing_open_says_so(client, crisis):
    close_round(crisis.round)
    client.force_login(crisis.lead)

    words = text(client.get(crisis.url))

    assert "Nothing is given to your organisation or its members in an open round at the moment." in words


def test_members_are_listed_with_their_role_and_a_link_to_invite_someone(client, crisis):
    client.force_login(crisis.lead)
    response = client.get(crisis.url)
    words = text(response)

    members = words[words.index("People in your organisation") :]
    assert "Amara Reviewer amara@crisis.example" in members
    assert "Lee Organisation lead lead@crisis.example" in members
    # Without a name, the email stands for the person and is not repeated.
    assert "chris@crisis.example Reviewer" in members
    assert members.count("chris@crisis.example") == 1
    assert f'href="{reverse("audiences:invitation_new")}"' in main_content(response)
    assert "Invite someone to join your organisation" in words


def test_the_page_says_answers_stay_private(client, crisis):
    client.force_login(crisis.lead)
    assert "You can see how far each person has got, but not their answers" in text(client.get(crisis.url))


@pytest.mark.parametrize("is_blind", [True, False])
def test_no_verdict_reason_or_comment_is_shown_even_after_colleagues_submit(client, crisis, is_blind):
    ReviewRound.objects.filter(pk=crisis.round.pk).update(is_blind=is_blind)
    crisis.save(crisis.amara)
    crisis.save(crisis.ben, verdict="not_sure")
    crisis.save(crisis.amara, crisis.personal)
    crisis.save(crisis.lead)
    client.force_login(crisis.lead)

    page = client.get(crisis.url).content.decode()

    for words in (VERDICT_REASON, EVIDENCE, REWORDING, OVERALL_COMMENT, "Does not meet", "Not sure", "Meets"):
        assert words not in page
    assert "summary/" not in page


# Navigation


def test_a_lead_reaches_the_page_from_the_navigation(client, crisis):
    client.force_login(crisis.lead)
    page = client.get(crisis.url).content.decode()
    nav = page[page.index('<nav aria-label="Menu"') : page.index("</nav>")]

    link = re.search(
        r'<a class="govuk-service-navigation__link" href="([^"]+)" aria-current="page">\s*<strong[^>]*>([^<]+)', nav
    )
    assert link and link.groups() == (crisis.url, "Your organisation&#x27;s reviews")
    assert nav.count('aria-current="page"') == 1, "My reviews is not also marked as the current page"


def test_a_lead_of_several_organisations_gets_a_link_for_each(client, crisis):
    nacro = make_organisation(name="Nacro", slug="nacro")
    Membership.objects.create(user=crisis.lead, organisation=nacro, role=Membership.Role.LEAD)
    client.force_login(crisis.lead)

    page = client.get(reverse("reviews:my_reviews")).content.decode()

    assert "Reviews at Crisis" in page and "Reviews at Nacro" in page
    assert f'href="{crisis.url}"' in page
    assert f'href="{reverse("reviews:organisation_reviews", args=["nacro"])}"' in page
    assert "Your organisation&#x27;s reviews" not in page


@pytest.mark.parametrize("who", ["reviewer", "admin"])
def test_people_who_lead_no_organisation_have_no_link(client, crisis, who):
    client.force_login(crisis.amara if who == "reviewer" else in_group(ADMINS))
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "/reviews/organisation/" not in page


# Query count


@pytest.mark.parametrize("size", [1, 6])
def test_query_count_does_not_grow_with_members_or_assignments(client, crisis, django_assert_num_queries, size):
    for n in range(size):
        member = make_reviewer(organisation=crisis.organisation, full_name=f"Member {n}")
        version = make_version(audience=crisis.audience)
        make_assignment(review_round=crisis.round, version=version, organisation=crisis.organisation)
        make_assignment(review_round=crisis.round, version=make_version(audience=crisis.audience), reviewer=member)
        crisis.save(member, version, submit=n % 2 == 0)
        other_round = make_round(principles=[crisis.relevant])
        make_assignment(review_round=other_round, version=version, reviewer=member)
    client.force_login(crisis.lead)

    # session, user, organisation, lead check, members, open rounds; the shown round's use cases
    # (a count, the page's ids ordered in SQL, their assignments, who each expects, review
    # statuses); who has not submitted (counted in SQL) and the last reminder of each; requests (a
    # count; their page only when there are some), navigation
    with django_assert_num_queries(14 + NAVIGATION_QUERIES):
        response = client.get(crisis.url)
    assert response.status_code == 200
    # One round at a time: per member, a version for the organisation and one for them
    # alone in the round shown; the other rounds are links.
    assert main_content(response).count('<div class="govuk-summary-card">') == 2 + 2 * size
    assert f"Member {size - 1} Reviewer person" in text(response)


@pytest.mark.parametrize("size", [1, 6])
def test_the_page_reads_the_stored_counts_in_the_same_queries_whatever_the_size(
    client, crisis, django_assert_num_queries, size
):
    """Once the round's progress counts are stored, the page shows what it shows counted live, in
    the same queries whatever the size: who has not submitted is summed from a few rows per member,
    and the round's use cases are counted and ordered from one row per use case."""
    for n in range(size):
        member = make_reviewer(organisation=crisis.organisation, full_name=f"Member {n}")
        version = make_version(audience=crisis.audience, title=f"Case {n}")
        make_assignment(review_round=crisis.round, version=version, organisation=crisis.organisation)
        make_assignment(review_round=crisis.round, version=make_version(audience=crisis.audience), reviewer=member)
        crisis.save(member, version, submit=n % 2 == 0)
    client.force_login(crisis.lead)
    live = main_content(client.get(crisis.url))
    progress_counts_refresh(round_id=crisis.round.pk)
    # As many queries as counted live: the open rounds say whether their counts are stored.
    with django_assert_num_queries(14 + NAVIGATION_QUERIES):
        response = client.get(crisis.url)
    assert main_content(response) == live
    assert f"Member {size - 1} Reviewer person" in text(response)


def test_the_page_shows_who_has_not_submitted_first_and_one_round_paged(client, crisis):
    """Who has not submitted comes first, then requests, then one round's use cases, 20
    a page, so the page stays short after a large round."""
    for n in range(25):
        make_assignment(
            review_round=crisis.round,
            version=make_version(audience=crisis.audience, title=f"Case {n:02}"),
            organisation=crisis.organisation,
        )
    client.force_login(crisis.lead)
    page = main_content(client.get(crisis.url))
    assert page.index('id="not-submitted"') < page.index('id="requests"') < page.index('id="round"')
    assert page.count('<div class="govuk-summary-card">') == 20
    assert "page=2" in page
    second = main_content(client.get(crisis.url + "?page=2"))
    assert 0 < second.count('<div class="govuk-summary-card">') <= 20


def test_the_pages_sql_counts_and_order_agree_with_the_whole_overview(crisis):
    """The lead's page counts who has not submitted and orders a round's use cases in SQL; both
    agree with the overview built in Python (organisation_reviews, which the reminder reads)."""
    _two_rounds_of_work(crisis)
    overview = selectors.organisation_reviews(crisis.organisation)

    def summary(people):
        return [(p.user_id, p.name, p.to_submit, p.overdue) for p in people]

    assert summary(pending.not_submitted_counts(crisis.organisation)) == summary(
        pending.not_submitted(overview, crisis.organisation)
    )
    assert [p.to_submit for p in pending.not_submitted_counts(crisis.organisation)] == [7, 5, 10]
    for progress in overview.rounds:
        paged = selectors.RoundVersions(crisis.organisation, progress.slug)
        assert paged.count() == len(progress.versions)
        assert paged[0:2] + paged[2:] == progress.versions
    shown = [r.slug for r in selectors.organisation_overview(crisis.organisation).rounds]
    assert shown == [r.slug for r in overview.rounds]


def _two_rounds_of_work(crisis) -> ReviewRound:
    """A second open round giving Crisis five use cases, four of them also to Chris in person in the
    first, and one to Ben in person too, by an earlier date."""
    today = timezone.localdate()
    crisis.save(crisis.ben)
    crisis.save(crisis.amara, crisis.personal, submit=False)
    second = make_round(principles=[crisis.relevant], name="Spring review", slug="spring")
    for n, due in enumerate([today + datetime.timedelta(3), None, today - datetime.timedelta(2), None]):
        version = make_version(audience=crisis.audience, title=f"Case {3 - n}")
        make_assignment(review_round=second, version=version, organisation=crisis.organisation, due_on=due)
        make_assignment(review_round=crisis.round, version=version, reviewer=crisis.chris, due_on=due)
    # Given to a member in person by an earlier date than through the organisation.
    make_assignment(review_round=second, version=crisis.shared, reviewer=crisis.ben, due_on=today)
    make_assignment(
        review_round=second,
        version=crisis.shared,
        organisation=crisis.organisation,
        due_on=today + datetime.timedelta(9),
    )
    return second


@pytest.mark.parametrize("stored", ["none", "one round", "every round"])
def test_the_reminder_lists_what_the_whole_overview_lists_for_the_member(crisis, stored):
    """The reminder reads one member's stored rows where the round's counts are stored, and builds
    the others live; either way it lists what the whole overview lists for them, in its order."""
    second = _two_rounds_of_work(crisis)
    expected = {p.user_id: p for p in pending.not_submitted(selectors.organisation_reviews(crisis.organisation))}
    assert len(expected) == 3
    for review_round in {"none": [], "one round": [second], "every round": [second, crisis.round]}[stored]:
        progress_counts_refresh(round_id=review_round.pk)
    for member in (crisis.amara, crisis.ben, crisis.chris):
        person = pending.member_not_submitted(crisis.organisation, member.pk)
        wanted = expected[member.pk]
        assert (person.name, person.items, person.paths, person.overdue) == (
            wanted.name,
            wanted.items,
            wanted.paths,
            wanted.overdue,
        )
    assert pending.member_not_submitted(crisis.organisation, crisis.lead.pk) is None


@pytest.mark.parametrize("size", [1, 6])
def test_the_reminder_page_reads_the_members_stored_rows_in_the_same_queries_whatever_the_size(
    client, crisis, django_assert_num_queries, size
):
    for n in range(size):
        member = make_reviewer(organisation=crisis.organisation, full_name=f"Member {n}")
        make_assignment(review_round=crisis.round, version=make_version(audience=crisis.audience), reviewer=member)
        make_assignment(
            review_round=crisis.round, version=make_version(audience=crisis.audience), reviewer=crisis.amara
        )
    progress_counts_refresh(round_id=crisis.round.pk)
    client.force_login(crisis.lead)
    address = reverse("reviews:organisation_remind", args=[crisis.organisation.slug])
    # session, user, organisation, lead check, members, open rounds, the member's stored rows, their
    # last reminder, navigation
    with django_assert_num_queries(8 + NAVIGATION_QUERIES):
        response = client.get(address, {"member": crisis.amara.pk})
    assert response.status_code == 200
    assert main_content(response).count("<li>") == 2 + size


def test_the_stored_order_is_the_due_date_then_the_title_whatever_order_the_use_cases_came_in(crisis):
    """The stored rows keep each version's title, so the page's order (due date, then title) is
    read from their index; it is the order counted live."""
    for title in ["Case C", "Case B", "Case A"]:
        version = make_version(audience=crisis.audience, title=title)
        make_assignment(review_round=crisis.round, version=version, organisation=crisis.organisation)
    live = [v.title for v in selectors.RoundVersions(crisis.organisation, crisis.round.slug)[0:10]]
    progress_counts_refresh(round_id=crisis.round.pk)
    stored = selectors.RoundVersions(crisis.organisation, crisis.round.slug, stored_round_id=crisis.round.pk)
    assert [v.title for v in stored[0:10]] == live
    assert live[-3:] == ["Case A", "Case B", "Case C"]
