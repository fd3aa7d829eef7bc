"""Portal-wide roles. Reviewers and organisation leads come from memberships; the BOLD-side
roles are Django groups, created by a migration so that every database has them."""

import rules

ANALYSTS = "Analysts"
AUTHORS = "Authors"
ADMINS = "Programme admins"
GROUPS = (ANALYSTS, AUTHORS, ADMINS)


def memberships_of(user) -> list:
    """The person's memberships, with their organisations, by organisation name: read once per user
    object, as rules keeps their group names and Django their permissions, so that a page's
    navigation and its role checks share one query (a request's user is a fresh object each time)."""
    if not hasattr(user, "_memberships_cache"):
        user._memberships_cache = list(user.memberships.select_related("organisation").order_by("organisation__name"))
    return user._memberships_cache


@rules.predicate
def is_reviewer(user) -> bool:
    return user.is_authenticated and bool(memberships_of(user))


@rules.predicate
def is_organisation_lead(user) -> bool:
    return user.is_authenticated and any(membership.role == "lead" for membership in memberships_of(user))


is_admin = rules.is_superuser | rules.is_group_member(ADMINS)
is_analyst = rules.is_group_member(ANALYSTS) | is_admin
is_author = rules.is_group_member(AUTHORS)
