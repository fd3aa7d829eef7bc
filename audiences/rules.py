"""Who may invite people into an organisation: programme admins, and leads of that organisation."""

import rules

from audiences.models import Membership
from bold_portal.roles import is_admin, is_organisation_lead


@rules.predicate
def is_lead_of(user, organisation) -> bool:
    return (
        organisation is not None
        and user.is_authenticated
        and user.memberships.filter(organisation=organisation, role=Membership.Role.LEAD).exists()
    )


# Without an organisation: may this person open the invitation page at all?
rules.add_perm("audiences.invite_people", is_admin | is_organisation_lead)
# With an organisation: may this person invite someone into that one?
rules.add_perm("audiences.invite_to_organisation", is_admin | is_lead_of)
# The organisation's own pages (members, invitations, reminders): its leads and programme admins.
# The object is the Organisation; anyone else gets a 404.
rules.add_perm("audiences.manage_organisation", is_admin | is_lead_of)
# The portal's admin pages (/manage/): programme admins only.
rules.add_perm("audiences.manage_portal", is_admin)
