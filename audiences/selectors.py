"""Read queries for the admin pages and the organisation lead's pages. Each list is paginated
and reads a fixed number of queries whatever its length."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from audiences.models import Audience, Invitation, Membership, Organisation
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS

STAFF_GROUPS = (ANALYSTS, AUTHORS, ADMINS)


def audiences_all() -> QuerySet[Audience]:
    return Audience.objects.order_by("display_order", "name", "pk").annotate(
        organisation_count=Count("organisations", distinct=True)
    )


def audiences_offered(*, keep=()) -> QuerySet[Audience]:
    """Audiences to offer as a new choice: all but the archived ones, except those in keep
    (already chosen), which stay so that a form does not drop them silently."""
    return Audience.objects.filter(Q(is_archived=False) | Q(pk__in=[a.pk for a in keep])).order_by(
        "display_order", "name"
    )


def organisations_all(*, search: str = "") -> QuerySet[Organisation]:
    organisations = Organisation.objects.order_by("name").prefetch_related(
        Prefetch("audiences", queryset=Audience.objects.order_by("display_order", "name"))
    )
    if search:
        organisations = organisations.filter(name__icontains=search)
    return organisations.annotate(
        member_count=Count("memberships", filter=Q(memberships__user__is_active=True), distinct=True)
    )


def people(*, search: str = "") -> QuerySet:
    """Everyone with an account, by email, with their staff roles and organisations; search
    matches the email address or name."""
    users = (
        get_user_model()
        .objects.order_by("email")
        .prefetch_related("groups", Prefetch("memberships", queryset=Membership.objects.select_related("organisation")))
    )
    if search:
        users = users.filter(Q(email__icontains=search) | Q(full_name__icontains=search))
    return users


def staff_roles(user) -> list[str]:
    """The staff role groups of user, read from prefetched groups when there are some."""
    return [group.name for group in user.groups.all() if group.name in STAFF_GROUPS]


def person_memberships(user) -> QuerySet[Membership]:
    return user.memberships.select_related("organisation").order_by("organisation__name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return (
        organisation.memberships.select_related("user")
        .filter(user__is_active=True)
        .order_by("role", "user__full_name", "user__email")
    )


def organisation_lead_count(organisation: Organisation) -> int:
    return organisation.memberships.filter(role=Membership.Role.LEAD).count()


def organisations_left_without_lead(user, *, leaving: Membership | None = None) -> list[Organisation]:
    """The organisations that would have no active lead if user's account were switched off (or,
    with leaving, if that one membership of theirs stopped being a lead's): those they lead where no
    other lead's account is switched on. By name."""
    led = Membership.objects.filter(user=user, role=Membership.Role.LEAD)
    if leaving is not None:
        led = led.filter(pk=leaving.pk)
    other_active_leads = Membership.objects.filter(role=Membership.Role.LEAD, user__is_active=True).exclude(user=user)
    return list(
        Organisation.objects.filter(pk__in=led.values("organisation_id"))
        .exclude(pk__in=other_active_leads.values("organisation_id"))
        .order_by("name")
    )


def organisations_to_warn_before_stepping_down(membership: Membership) -> list[Organisation]:
    """The organisation to warn about before membership stops being a lead's (removed, or made a
    reviewer): when it is the last lead whose account is switched on, while other leads' accounts
    are switched off. The last lead of all is refused by the service instead, with no warning."""
    if membership.role != Membership.Role.LEAD:
        return []
    if (
        not Membership.objects.filter(organisation_id=membership.organisation_id, role=Membership.Role.LEAD)
        .exclude(pk=membership.pk)
        .exists()
    ):
        return []
    return organisations_left_without_lead(membership.user, leaving=membership)


def programme_admins() -> QuerySet:
    """The active programme admins, who can make another member an organisation's lead."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=ADMINS) | Q(is_superuser=True))
        .distinct()
        .order_by("full_name", "email")
    )


def invitations_pending(*, organisation: Organisation | None) -> QuerySet[Invitation]:
    """Invitations whose link still works, newest first: an organisation's, or (None) BOLD staff's."""
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("invited_by")
