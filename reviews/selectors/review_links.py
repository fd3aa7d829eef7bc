"""Who has a personal review link, for the lead's and the admin's pages: each person who may be
sent one (given something to review in an open round, and not BOLD staff) with their live link,
if any. A fixed number of queries, however many people and rounds."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from audiences.models import Organisation
from bold_portal.roles import ADMINS, ANALYSTS
from reviews.models import Assignment, ReviewLink, ReviewRound


@dataclass(frozen=True)
class LinkRow:
    person: object
    review_round: ReviewRound
    link: ReviewLink | None  # the live link, if there is one


def link_holders():
    """People who may hold a personal link: active, and neither staff nor superusers."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=False, is_superuser=False)
        .exclude(groups__name__in=[ANALYSTS, ADMINS])
    )


def live_link(person, review_round: ReviewRound) -> ReviewLink | None:
    return _live_links().filter(person=person, round=review_round).first()


def _live_links() -> QuerySet[ReviewLink]:
    return ReviewLink.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), round__status="open")


def _rows(pairs: list[tuple[object, ReviewRound]]) -> list[LinkRow]:
    links = {
        (link.person_id, link.round_id): link
        for link in _live_links().filter(
            person__in={person.pk for person, _ in pairs}, round__in={r.pk for _, r in pairs}
        )
    }
    rows = [LinkRow(person, r, links.get((person.pk, r.pk))) for person, r in pairs]
    return sorted(rows, key=lambda row: (row.review_round.name, row.person.full_name.lower(), row.person.email))


def organisation_link_rows(organisation: Organisation) -> list[LinkRow]:
    """The organisation's members and the open rounds they are given something in."""
    members = {person.pk: person for person in link_holders().filter(memberships__organisation=organisation)}
    assignments = (
        Assignment.objects.filter(round__status=ReviewRound.Status.OPEN)
        .filter(Q(organisation=organisation) | Q(reviewer__in=list(members)))
        .select_related("round")
    )
    pairs = {}
    for assignment in assignments:
        given_to = [assignment.reviewer_id] if assignment.reviewer_id else list(members)
        for person_id in given_to:
            pairs[(person_id, assignment.round_id)] = (members[person_id], assignment.round)
    return _rows(list(pairs.values()))


def round_link_holders(review_round: ReviewRound):
    """The people given something in the round, in person or through their organisation."""
    return link_holders().filter(
        Q(assignments__round=review_round) | Q(memberships__organisation__assignments__round=review_round)
    )


def round_link_rows(review_round: ReviewRound) -> list[LinkRow]:
    people = round_link_holders(review_round).distinct()
    return _rows([(person, review_round) for person in people])
