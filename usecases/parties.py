"""Reads about the data parties that a use case's data flows name."""

from django.db.models import QuerySet

from audiences.models import Organisation
from usecases.models import DataParty, UseCaseDraft


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


def flows_name(flows, name: str) -> bool:
    """Whether the flows give name as a "from" or a "to"."""
    return name in named_parties(flows)


def drafts_naming(name: str) -> list[UseCaseDraft]:
    """The drafts whose data flows name the party, with their use case, by use case (one query:
    flows are JSON, read in Python; there is at most one draft per use case)."""
    drafts = UseCaseDraft.objects.select_related("use_case__audience").order_by("use_case__slug")
    return [draft for draft in drafts if flows_name(draft.data_flows, name)]


def parties_for_admins() -> QuerySet[DataParty]:
    """Every party with its organisation, by name, for the admins' list."""
    return DataParty.objects.select_related("organisation").order_by("name")
