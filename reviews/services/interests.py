"""Organisations' declared interests in use cases: declaring one, withdrawing it, and a programme
admin's override (docs/declined-and-interests.md). Each change runs in one transaction and writes
an audit row."""

import datetime
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Membership, Organisation
from bold_portal.email import email_send_on_commit
from bold_portal.models import audit
from bold_portal.roles import is_admin
from reviews.models import Assignment, DeclaredInterest, ReviewRound
from reviews.selectors.expected import expected_by_assignment
from reviews.selectors.interests import assignments_removed_by_declaring, interest_counted
from reviews.services.assignments import assignment_create
from reviews.signals import progress_inputs_changed
from usecases.models import UseCaseVersion


def interest_refusal(interest: DeclaredInterest) -> str:
    """Why a reviewer cannot review a use case their organisation declared an interest in."""
    return _(
        "%(organisation)s has declared an interest in this use case, so its members do not review it. "
        "If you think this is wrong, ask a programme admin."
    ) % {"organisation": interest.organisation.name}


def _assignment_text(assignment: Assignment) -> str:
    """An assignment in words for its audit row: never a person's name (rows outlive an erased
    account), so a person's assignment names their account's number."""
    who = assignment.organisation.name if assignment.organisation_id else f"account {assignment.reviewer_id}"
    return f"{assignment.version.title} ({assignment.round.name}): {who}"


def _removed_record(assignment: Assignment) -> dict:
    return {
        "round_id": assignment.round_id,
        "version_id": assignment.version_id,
        "reviewer_id": assignment.reviewer_id,
        "organisation_id": assignment.organisation_id,
        "due_on": assignment.due_on.isoformat() if assignment.due_on else None,
    }


def _tell_the_people_affected(
    *, interest: DeclaredInterest, removed: list[Assignment], expected: dict[int, list[int]]
) -> None:
    """Email each person who lost an assignment by declaring (the person given it, or the members an
    organisation-wide one expected: expected, from reviews.selectors.expected, read before the
    assignments went), and the organisation's active leads about its own, after the commit
    (bold_portal.email)."""
    by_address: dict[str, tuple[str, list[Assignment]]] = {}
    leads = [
        lead.user
        for lead in Membership.objects.filter(
            organisation=interest.organisation, role=Membership.Role.LEAD, user__is_active=True
        ).select_related("user")
    ]
    people = get_user_model().objects.in_bulk({pk for ids in expected.values() for pk in ids})
    for assignment in removed:
        losing = [people[pk] for pk in expected.get(assignment.pk, []) if pk in people]
        if assignment.organisation_id:
            losing += [lead for lead in leads if lead not in losing]
        for person in losing:
            if person.is_active:
                by_address.setdefault(person.email, (person.get_full_name(), []))[1].append(assignment)
    for address, (name, assignments) in by_address.items():
        email_send_on_commit(
            template="reviews/email/interest_declared",
            kind="interest_declared",
            obj=interest,
            to=[address],
            context={
                "name": name,
                "organisation": interest.organisation.name,
                "items": [
                    {
                        "title": a.version.title,
                        "round": a.round.name,
                        "organisation": a.organisation.name if a.organisation_id else "",
                    }
                    for a in assignments
                ],
            },
        )


def interest_declare(
    *,
    organisation: Organisation,
    use_case,
    reason: str,
    actor,
    expected_removals: Sequence[int] | None = None,
) -> DeclaredInterest:
    """Record an organisation's interest in a use case. From then on the organisation and its
    members are not given it and cannot review it; their assignments of it in rounds that have not
    closed are taken away (reviews already written are kept, as when an assignment is removed),
    recorded on the declaration so that withdrawing or overriding it can give them back, and the
    people affected are told by email.

    expected_removals: the assignments the person was shown would be taken away (the confirmation
    page); if what declaring takes away has changed since, nothing is saved and they are asked to
    check again."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the interest is, such as a contract with a receiving body")})
    interest = DeclaredInterest(organisation=organisation, use_case=use_case, reason=reason, declared_by=actor)
    try:
        with transaction.atomic():
            interest.full_clean(exclude=["declared_by"])
            # Locked by number: PostgreSQL takes no FOR UPDATE over the selector's DISTINCT.
            numbers = list(assignments_removed_by_declaring(organisation, use_case).values_list("pk", flat=True))
            removed = list(
                Assignment.objects.select_for_update(of=("self",))
                .select_related("round", "version", "reviewer", "organisation")
                .filter(pk__in=numbers)
            )
            if expected_removals is not None and {a.pk for a in removed} != set(expected_removals):
                raise ValidationError(
                    _(
                        "The assignments this declaration would take away have changed since you checked them. "
                        "Check the list again, then confirm."
                    )
                )
            removed.sort(key=lambda a: (a.round.name, a.version.number, a.pk))
            interest.assignments_removed = [_removed_record(a) for a in removed]
            interest.save()
            expected = expected_by_assignment(Assignment.objects.filter(pk__in=[a.pk for a in removed]))
            Assignment.objects.filter(pk__in=[a.pk for a in removed]).delete()
            for round_id in {a.round_id for a in removed}:
                progress_inputs_changed.send(
                    sender=Assignment,
                    round_id=round_id,
                    version_ids=[a.version_id for a in removed if a.round_id == round_id],
                )
            audit(
                actor=actor,
                action="interest_declared",
                obj=interest,
                organisation=organisation.slug,
                use_case=use_case.slug,
                reason=reason,
                assignments_removed=sorted(a.pk for a in removed),
                assignments_removed_in_words=[_assignment_text(a) for a in removed],
            )
            _tell_the_people_affected(interest=interest, removed=removed, expected=expected)
    except IntegrityError as error:  # the same declaration was saved a moment ago
        raise ValidationError(_("This organisation has already declared an interest in this use case.")) from error
    return interest


def _standing_interest(interest: DeclaredInterest) -> DeclaredInterest:
    locked = DeclaredInterest.objects.select_for_update(of=("self",)).select_related("organisation")
    interest = locked.get(pk=interest.pk)
    if interest.withdrawn_at:
        raise ValidationError(_("This declaration has already been withdrawn."))
    return interest


def restorable_assignments(interest: DeclaredInterest) -> list[dict]:
    """The assignments declaring took away that could be given back now: their round has not
    closed and nobody has been given the same version in it since, for the same person or
    organisation."""
    records = interest.assignments_removed or []
    open_rounds = set(
        ReviewRound.objects.filter(
            pk__in={r["round_id"] for r in records}, status__in=[ReviewRound.Status.DRAFT, ReviewRound.Status.OPEN]
        ).values_list("pk", flat=True)
    )
    present = set(
        Assignment.objects.filter(
            round_id__in=open_rounds, version_id__in={r["version_id"] for r in records}
        ).values_list("round_id", "version_id", "reviewer_id", "organisation_id")
    )
    return [
        r
        for r in records
        if r["round_id"] in open_rounds
        and (r["round_id"], r["version_id"], r["reviewer_id"], r["organisation_id"]) not in present
    ]


def _restore(interest: DeclaredInterest, actor) -> tuple[list[int], int]:
    """Give back what declaring took away, where it can be (restorable_assignments), each through
    assignment_create with its checks and audit row. Returns the assignments made and how many
    could not be (a person switched off or moved organisation since, a due date now past)."""
    records = restorable_assignments(interest)
    rounds = ReviewRound.objects.in_bulk({r["round_id"] for r in records})
    versions = UseCaseVersion.objects.in_bulk({r["version_id"] for r in records})
    people = get_user_model().objects.in_bulk({r["reviewer_id"] for r in records if r["reviewer_id"]})
    organisations = Organisation.objects.in_bulk({r["organisation_id"] for r in records if r["organisation_id"]})
    made, refused = [], 0
    for record in records:
        try:
            with transaction.atomic():
                assignment = assignment_create(
                    review_round=rounds[record["round_id"]],
                    version=versions[record["version_id"]],
                    reviewer=people.get(record["reviewer_id"]),
                    organisation=organisations.get(record["organisation_id"]),
                    due_on=datetime.date.fromisoformat(record["due_on"]) if record["due_on"] else None,
                    actor=actor,
                )
        except ValidationError:
            refused += 1
        else:
            made.append(assignment.pk)
    return made, refused


def interest_withdraw(
    *, interest: DeclaredInterest, actor, reason: str = "", restore: bool = False
) -> DeclaredInterest:
    """Withdraw a declaration: the organisation may be given the use case again, and with restore
    the assignments declaring took away are given back where they can be. It is kept, marked
    withdrawn.

    Once a review by the organisation or its members of the use case was counted in a closed round
    (interest_counted), withdrawing would take the mark off that round's results: only a programme
    admin may, and only with a reason, which is recorded."""
    reason = reason.strip()
    with transaction.atomic():
        interest = _standing_interest(interest)
        if interest_counted(interest):
            if actor is None or not is_admin(actor):
                raise PermissionDenied(
                    _(
                        "Reviews by this organisation were counted in a closed round under this declaration, "
                        "so only a programme admin can withdraw it."
                    )
                )
            if not reason:
                raise ValidationError(
                    {"reason": _("Say why the declaration is withdrawn although its reviews were counted")}
                )
        interest.withdrawn_at, interest.withdrawn_by = timezone.now(), actor if getattr(actor, "pk", None) else None
        interest.withdraw_reason = reason
        interest.full_clean(exclude=["declared_by", "overridden_by", "withdrawn_by"])
        interest.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        made, refused = _restore(interest, actor) if restore else ([], 0)
        audit(
            actor=actor,
            action="interest_withdrawn",
            obj=interest,
            **({"reason": reason} if reason else {}),
            **({"assignments_given_back": made, "assignments_not_given_back": refused} if restore else {}),
        )
    return interest


def interest_override(*, interest: DeclaredInterest, reason: str, actor, restore: bool = False) -> DeclaredInterest:
    """Let the organisation review the use case despite its declaration (a programme admin's
    decision, with the reason recorded); with restore, the assignments declaring took away are
    given back where they can be. The matrix still marks the cells its reviews are in."""
    reason = reason.strip()
    with transaction.atomic():
        interest = _standing_interest(interest)
        if interest.is_overridden:
            raise ValidationError(_("This declaration has already been overridden."))
        if not reason:
            raise ValidationError({"override_reason": _("Say why the organisation may review the use case")})
        interest.override_reason, interest.overridden_at = reason, timezone.now()
        interest.overridden_by = actor if getattr(actor, "pk", None) else None
        interest.full_clean(exclude=["declared_by", "overridden_by", "withdrawn_by"])
        interest.save(update_fields=["override_reason", "overridden_at", "overridden_by"])
        made, refused = _restore(interest, actor) if restore else ([], 0)
        audit(
            actor=actor,
            action="interest_overridden",
            obj=interest,
            reason=reason,
            **({"assignments_given_back": made, "assignments_not_given_back": refused} if restore else {}),
        )
    return interest
