"""Who may see the principle matrix, its cells' verdicts and its exports: analysts and programme
admins. Reviewers, organisation leads and authors reach none of it (a 404, as for any page they
have no part in)."""

import rules

from bold_portal.roles import is_analyst

rules.add_perm("matrix.view_matrix", is_analyst)
