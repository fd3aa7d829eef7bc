"""Who may see the principle matrix, its cells' verdicts and its exports: analysts and programme
admins. Reviewers, organisation leads and authors reach none of it (a 404, as for any page they
have no part in)."""

import rules

from bold_portal.roles import is_admin, is_analyst

rules.add_perm("matrix.view_matrix", is_analyst)


@rules.predicate
def requested_the_export(user, export) -> bool:
    return export is not None and user.is_authenticated and export.requested_by_id == user.pk


# An export holds what its requester could see when they asked for it: only they (while they may
# still see the matrix) and programme admins open it. Anyone else gets a 404.
rules.add_perm("matrix.view_export", (requested_the_export & is_analyst) | is_admin)
