"""A data party linked to an organisation in the portal counts as that organisation's declared
interest in the use case (docs/authors.md): publishing a version that names it declares the
interest through interest_declare, with its rule, its audit row and its emails to the people whose
assignments it takes away. The publish page lists those assignments first (publish_consequences)."""

from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils.translation import gettext as _

from audiences.models import Organisation
from reviews.models import DeclaredInterest
from reviews.selectors.interests import assignments_removed_by_declaring
from reviews.services.interests import interest_declare
from usecases.consequences import PublishConsequence, register_publish_consequences
from usecases.parties import organisations_named
from usecases.signals import version_published


def organisations_to_declare(use_case, flows) -> QuerySet[Organisation]:
    """The organisations the flows name as data parties that have no standing declaration yet."""
    declared = DeclaredInterest.objects.standing().filter(use_case=use_case).values("organisation_id")
    return organisations_named(flows).exclude(pk__in=declared)


@receiver(version_published)
def interests_of_named_parties(sender, *, version, actor, **kwargs) -> None:
    """Inside the publishing transaction: declare the interest of each organisation the version
    names as a data party, unless it has one standing already."""
    for organisation in organisations_to_declare(version.use_case, version.data_flows):
        interest_declare(
            organisation=organisation,
            use_case=version.use_case,
            reason=_("Named as a data party in version %(number)s of the use case.") % {"number": version.number},
            actor=actor,
        )


@register_publish_consequences
def assignments_taken_away(draft) -> list[PublishConsequence]:
    """The assignments that publishing the draft takes away, through the interests it declares:
    the same list as the declare-interest page shows (one query per organisation named)."""
    consequences = []
    for organisation in organisations_to_declare(draft.use_case, draft.data_flows):
        for assignment in assignments_removed_by_declaring(organisation, draft.use_case):
            if assignment.reviewer:
                person = assignment.reviewer.get_full_name() or assignment.reviewer.email
                given_to = _("%(person)s (in person)") % {"person": person}
            else:
                given_to = _("%(organisation)s (the organisation)") % {"organisation": assignment.organisation.name}
            consequences.append(
                PublishConsequence(
                    key=f"assignment:{assignment.pk}",
                    organisation=organisation.name,
                    round=assignment.round.name,
                    version=_("%(title)s (version %(number)s)")
                    % {"title": assignment.version.title, "number": assignment.version.number},
                    given_to=given_to,
                )
            )
    return consequences
