"""Reads shared by the authoring pages and the authors' home."""

import rules
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from audiences.models import Audience
from audiences.selectors import audiences_offered
from bold_portal.roles import is_admin
from usecases.models import UseCase


def audiences_written_for(user) -> QuerySet[Audience]:
    """The audiences this person may start a use case for: every one offered, for admins."""
    offered = audiences_offered()
    return offered if is_admin(user) else offered.filter(authors=user)


def use_cases_written_by(user) -> QuerySet[UseCase]:
    """The use cases of the audiences this person writes for (every use case, for admins)."""
    use_cases = UseCase.objects.select_related("audience")
    return use_cases if is_admin(user) else use_cases.filter(audience__authors=user)


def writable_use_case(user, slug: str) -> UseCase:
    """The use case, if this person may write it; otherwise a 404."""
    use_case = get_object_or_404(UseCase.objects.select_related("audience"), slug=slug)
    if not rules.has_perm("usecases.write_use_case", user, use_case):
        raise Http404
    return use_case
