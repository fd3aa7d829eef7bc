"""A data party linked to an organisation in the portal counts as that organisation's declared
interest in the use case (docs/authors.md): publishing a version that names it declares the
interest through interest_declare, with its rule, its audit row and its emails to the people whose
assignments it takes away."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from reviews.models import DeclaredInterest
from reviews.services.interests import interest_declare
from usecases.parties import organisations_named
from usecases.signals import version_published


@receiver(version_published)
def interests_of_named_parties(sender, *, version, actor, **kwargs) -> None:
    """Inside the publishing transaction: declare the interest of each organisation the version
    names as a data party, unless it has one standing already."""
    declared = set(
        DeclaredInterest.objects.standing().filter(use_case=version.use_case).values_list("organisation_id", flat=True)
    )
    for organisation in organisations_named(version.data_flows).exclude(pk__in=declared):
        interest_declare(
            organisation=organisation,
            use_case=version.use_case,
            reason=_("Named as a data party in version %(number)s of the use case.") % {"number": version.number},
            actor=actor,
        )
