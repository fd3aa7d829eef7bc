"""Who may write a use case: programme admins, and the pilot team authors of its audience. Anyone
else gets a 404 on the authoring pages, as if the use case did not exist."""

import rules

from bold_portal.roles import is_admin, is_author


@rules.predicate
def writes_for_audience(user, use_case) -> bool:
    return use_case.audience.authors.filter(pk=user.pk).exists()


@rules.predicate
def authors_an_audience(user) -> bool:
    return user.authored_audiences.exists()


rules.add_perm("usecases.start_use_case", is_admin | (is_author & authors_an_audience))
rules.add_perm("usecases.write_use_case", is_admin | (is_author & writes_for_audience))
