"""The audit actions of use cases and their versions."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bold_portal.audit_actions import AuditAction, NamedKind, names_by_id_or_slug, register, register_named
from usecases.models import DataParty, UseCaseVersion

register(
    AuditAction("use_case_created", _("Use case added")),
    # Written by the demo loader of earlier versions; kept so that those audit rows keep their label.
    AuditAction("use_case_updated", _("Use case changed")),
    AuditAction("use_case_version_created", _("Use case version added")),
    AuditAction("use_case_draft_started", _("Use case draft begun")),
    AuditAction("use_case_draft_saved", _("Use case draft saved")),
    AuditAction("data_party_added", _("Data party added")),
    AuditAction("data_party_changed", _("Data party changed")),
    AuditAction("data_party_merged", _("Data parties merged")),
)


def _use_cases(values: set[str]) -> dict[str, str]:
    """Use cases by id or slug, named by their latest version's title (one query)."""
    ids = {int(value) for value in values if value.isdigit()}
    names = {}
    versions = (
        UseCaseVersion.objects.filter(Q(use_case_id__in=ids) | Q(use_case__slug__in=values))
        .order_by("use_case_id", "number")
        .values_list("use_case_id", "use_case__slug", "title")
    )
    for use_case_id, slug, title in versions:  # the latest version comes last
        names[str(use_case_id)] = names[slug] = title
    return names


# Names beside numbers: "use_case" in a row holds its slug, "version" a version's id.
register_named(NamedKind("usecases.usecase", lookup=_use_cases, keys=("use_case",)))
register_named(
    NamedKind(
        "usecases.usecaseversion",
        lookup=lambda values: names_by_id_or_slug(UseCaseVersion.objects, values, name_field="title", slug_field=None),
        keys=("version", "version_id"),
        name_when_written=lambda version: version.title,
    )
)
register_named(
    NamedKind(
        "usecases.dataparty",
        lookup=lambda values: names_by_id_or_slug(DataParty.objects, values, name_field="name", slug_field=None),
        name_when_written=lambda party: party.name,
    )
)
