"""Portal-wide roles. Reviewers and organisation leads come from memberships; the BOLD-side
roles are Django groups, created by a migration so that every database has them."""

import rules

ANALYSTS = "Analysts"
AUTHORS = "Authors"
ADMINS = "Programme admins"
GROUPS = (ANALYSTS, AUTHORS, ADMINS)


@rules.predicate
def is_reviewer(user) -> bool:
    return user.is_authenticated and user.memberships.exists()


@rules.predicate
def is_organisation_lead(user) -> bool:
    return user.is_authenticated and user.memberships.filter(role="lead").exists()


is_admin = rules.is_superuser | rules.is_group_member(ADMINS)
is_analyst = rules.is_group_member(ANALYSTS) | is_admin
is_author = rules.is_group_member(AUTHORS)
