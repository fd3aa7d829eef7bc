"""Intermediary organisations and the audiences they serve, as the programme admins change them on
/manage/organisations/. Each change runs in one transaction and writes an audit row."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audiences.models import ORGANISATION_SLUG_MAX, Audience, Organisation
from bold_portal.field_changes import audit_values, clean_with_unique_name, drifted_fields_set
from bold_portal.models import audit
from bold_portal.slugs import unique_slug


def _organisation_check(organisation: Organisation) -> None:
    clean_with_unique_name(organisation, kind=_("an organisation"))


def _audiences_check(audiences: Sequence[Audience], *, allowed_archived=()) -> None:
    if not audiences:
        raise ValidationError({"audiences": _("Choose at least one audience the organisation serves")})
    archived = [a.name for a in audiences if a.is_archived and a.pk not in set(allowed_archived)]
    if archived:
        raise ValidationError(
            {"audiences": _("%(names)s is archived: choose another audience") % {"names": ", ".join(archived)}}
        )


def organisation_create(*, name: str, audiences: Sequence[Audience], website: str = "", actor) -> Organisation:
    """Add an intermediary organisation serving these audiences (at least one, none archived)."""
    organisation = Organisation(
        name=name.strip(),
        slug=unique_slug(model=Organisation, name=name, max_length=ORGANISATION_SLUG_MAX),
        website=website.strip(),
    )
    errors = {}
    try:
        _organisation_check(organisation)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _audiences_check(audiences)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        organisation.save()
        organisation.audiences.set(audiences)
        audit(
            actor=actor,
            action="organisation_created",
            obj=organisation,
            before={},
            after={
                **audit_values(organisation, ["name", "slug", "website"]),
                "audiences": sorted(a.slug for a in audiences),
            },
        )
    return organisation


def organisation_update(
    *, organisation: Organisation, name: str, audiences: Sequence[Audience], website: str = "", actor
) -> Organisation:
    """Change an organisation's name, website or the audiences it serves. An audience archived
    since it was chosen may stay; a newly chosen one may not be archived."""
    fresh = Organisation.objects.get(pk=organisation.pk)
    current = set(fresh.audiences.values_list("pk", flat=True))
    before_fields, after_fields = drifted_fields_set(fresh, {"name": name.strip(), "website": website.strip()})
    errors = {}
    try:
        _organisation_check(fresh)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _audiences_check(audiences, allowed_archived=current)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    wanted = {a.pk for a in audiences}
    if not after_fields and wanted == current:
        return organisation
    with transaction.atomic():
        if after_fields:
            fresh.save(update_fields=list(after_fields))
        slugs = dict(Audience.objects.filter(pk__in=current | wanted).values_list("pk", "slug"))
        if wanted != current:
            fresh.audiences.set(audiences)
            before_fields["audiences"] = sorted(slugs[pk] for pk in current)
            after_fields["audiences"] = sorted(slugs[pk] for pk in wanted)
        audit(actor=actor, action="organisation_updated", obj=fresh, before=before_fields, after=after_fields)
    organisation.name, organisation.website = fresh.name, fresh.website
    return organisation
