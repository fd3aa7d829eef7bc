"""Reads about the data parties that a use case's data flows name."""

from django.db.models import QuerySet

from audiences.models import Organisation
from usecases.models import DataParty


def named_parties(flows) -> set[str]:
    """The names the flows give as "from" or "to"."""
    return {flow[key].strip() for flow in flows for key in ("from", "to") if flow.get(key, "").strip()}


def unknown_parties(flows) -> list[str]:
    """Names the flows give that are not in the list of data parties, in order."""
    names = named_parties(flows)
    known = set(DataParty.objects.filter(name__in=names).values_list("name", flat=True))
    return sorted(names - known)


def organisations_named(flows) -> QuerySet[Organisation]:
    """The organisations of the portal that the flows name as data parties."""
    return Organisation.objects.filter(data_party__name__in=named_parties(flows)).order_by("name")
