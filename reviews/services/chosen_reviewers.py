"""A lead chooses which members review an organisation-wide assignment (docs/reviewer-journey.md,
"Choosing who reviews"). The choice replaces the default for every page, email and count that asks
who is expected (reviews.selectors.expected); in an open round the people it newly expects are told."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.personal_data_holders import ErasedRows, eraser
from audiences.models import Membership
from bold_portal.models import audit
from reviews.assignment_emails import assignment_given_email, expected_people
from reviews.models import Assignment, ChosenReviewer
from reviews.services.assignments import refuse_if_closed
from reviews.signals import progress_inputs_changed


def assignment_reviewers_choose(
    *, assignment: Assignment, memberships: Sequence[Membership], actor
) -> list[ChosenReviewer]:
    """Make exactly these members (active, of the organisation given the assignment) the ones
    expected to review it. At least one. Two leads choosing at once: the assignment's row is
    locked, so the later choice wins whole, never a mix of both."""
    if not memberships:
        raise ValidationError({"members": _("Choose at least one member to review this use case")})
    with transaction.atomic():
        locked = Assignment.objects.select_for_update(of=("self",)).select_related("round", "organisation")
        assignment = locked.get(pk=assignment.pk)
        refuse_if_closed(assignment.round)
        if assignment.organisation_id is None:
            raise ValidationError(_("Only a use case given to a whole organisation has reviewers to choose."))
        wanted = {m.pk for m in memberships}
        valid = set(
            Membership.objects.filter(
                pk__in=wanted, organisation_id=assignment.organisation_id, user__is_active=True
            ).values_list("pk", flat=True)
        )
        if wanted - valid:
            raise ValidationError(
                {"members": _("Choose from the active members of %(name)s") % {"name": assignment.organisation.name}}
            )
        before = sorted(
            ChosenReviewer.objects.filter(assignment=assignment).values_list("membership__user_id", flat=True)
        )
        expected_before = expected_people(assignment)
        ChosenReviewer.objects.filter(assignment=assignment).delete()
        chosen = [ChosenReviewer(assignment=assignment, membership_id=pk, chosen_by=actor) for pk in sorted(valid)]
        for row in chosen:
            row.full_clean()
        ChosenReviewer.objects.bulk_create(chosen)
        progress_inputs_changed.send(
            sender=Assignment, round_id=assignment.round_id, version_ids=[assignment.version_id]
        )
        audit(
            actor=actor,
            action="assignment_reviewers_chosen",
            obj=assignment,
            before={"accounts": before},
            after={"accounts": sorted(m.user_id for m in memberships)},
            round=assignment.round.slug,
            version=assignment.version_id,
            organisation=assignment.organisation.slug,
        )
        # In an open round the members newly chosen are told, as when a use case is given after opening.
        assignment_given_email(assignment, already=expected_before)
    return chosen


@eraser("chosen_reviewers")
def chosen_by_erase(*, user, email: str) -> ErasedRows:
    """A person's own places in choices go with their memberships; the choices they made for
    others are kept without their name."""
    cleared = ChosenReviewer.objects.filter(chosen_by=user).update(chosen_by=None)
    return ErasedRows(details={"reviewer_choices_unnamed": cleared})
