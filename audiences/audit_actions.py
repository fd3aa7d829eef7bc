"""The audit actions of audiences, organisations, memberships and invitations."""

from django.utils.translation import gettext_lazy as _

from audiences.models import Invitation, Membership, Organisation
from bold_portal.audit_actions import (
    AuditAction,
    AuditScope,
    NamedKind,
    names_by_id_or_slug,
    register,
    register_named,
    register_scope,
    rows_about,
)

register(
    AuditAction("audience_created", _("Audience added")),
    AuditAction("audience_updated", _("Audience changed")),
    AuditAction("audience_moved", _("Audience moved in the list")),
    AuditAction("audience_archived", _("Audience archived")),
    AuditAction("audience_restored", _("Audience offered again")),
    AuditAction("audience_authors_added", _("Pilot team authors added")),
    AuditAction("organisation_created", _("Organisation added")),
    AuditAction("organisation_updated", _("Organisation changed")),
    # organisation_audiences_added and membership_updated were written by the demo loader of earlier
    # versions, which put drifted rows back; kept so that those audit rows keep their label.
    AuditAction("organisation_audiences_added", _("Organisation's audiences added")),
    AuditAction("membership_created", _("Member added")),
    AuditAction("membership_updated", _("Member's role put back")),
    AuditAction(
        "membership_role_changed",
        _("Member's role changed"),
        message=lambda row: _("Role of %(person)s at %(organisation)s changed from %(before)s to %(after)s")
        % {
            "person": row.name("user_id", row.value("user_id")),
            "organisation": row.name("organisation", row.value("organisation")),
            "before": row.data.before.get("role"),
            "after": row.data.after.get("role"),
        },
    ),
    AuditAction("membership_removed", _("Member removed")),
    AuditAction("member_reminded", _("Member reminded")),
    AuditAction("invitation_sent", _("Invitation sent")),
    AuditAction("invitation_cancelled", _("Invitation cancelled")),
    AuditAction("invitation_accepted", _("Invitation accepted")),
)


# Names beside numbers: an organisation's rows name it as it was named then; "organisation" in a
# row holds its id or slug.
register_named(
    NamedKind(
        "audiences.organisation",
        lookup=lambda values: names_by_id_or_slug(Organisation.objects, values),
        keys=("organisation", "organisation_id"),
        name_when_written=lambda organisation: organisation.name,
    )
)


def _organisation_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Organisation.objects.order_by("name", "pk").values_list("pk", "name")]


def _rows_about_organisation(value: str):
    """The organisation's own rows, rows naming it, and the rows of its members and invitations."""
    organisation = Organisation.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if organisation is None:
        return rows_about(Organisation, [])
    return (
        rows_about(
            Organisation,
            [organisation.pk],
            keys=("organisation", "organisation_id"),
            values=(organisation.pk, organisation.slug),
        )
        | rows_about(Membership, Membership.objects.filter(organisation=organisation))
        | rows_about(Invitation, Invitation.objects.filter(organisation=organisation))
    )


register_scope(
    AuditScope(
        "organisation",
        _("Organisation"),
        _("an organisation"),
        choices=_organisation_choices,
        rows=_rows_about_organisation,
    )
)
