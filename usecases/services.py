"""State changes for use cases and their versions. Each runs in one transaction and writes an audit row."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Audience
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from usecases.models import UseCase, UseCaseVersion


def use_case_version_create(
    *,
    use_case: UseCase,
    title: str,
    impact_statement: str,
    research_questions: Sequence[str],
    data_flows: Sequence[dict],
    will_do: Sequence[str],
    wont_do: Sequence[str],
    actor,
    change_summary: str = "",
    created_at: datetime.datetime | None = None,
) -> UseCaseVersion:
    """Add the next numbered version of a use case (versions are immutable: a revision is a new
    version). research_questions, will_do and wont_do are given one item each; data_flows as
    {"information", "from", "to"} dicts. created_at defaults to now (set it for a draft written
    earlier, such as the report's)."""
    with transaction.atomic():
        # The use case's row lock makes two revisions saved at once take numbers one after the other.
        use_case = UseCase.objects.select_for_update(of=("self",)).get(pk=use_case.pk)
        number = (use_case.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = UseCaseVersion(
            use_case=use_case,
            number=number,
            title=title,
            impact_statement=impact_statement,
            research_questions="\n".join(research_questions),
            data_flows=[dict(flow) for flow in data_flows],
            will_do="\n".join(will_do),
            wont_do="\n".join(wont_do),
            change_summary=change_summary,
            created_at=created_at or timezone.now(),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        version.full_clean()
        version.save()
        audit(actor=actor, action="use_case_version_created", obj=version, use_case=use_case.slug, number=number)
    return version


def use_case_create(
    *,
    audience: Audience,
    slug: str,
    display_order: int = 0,
    is_illustrative: bool = False,
    title: str,
    impact_statement: str,
    research_questions: Sequence[str],
    data_flows: Sequence[dict],
    will_do: Sequence[str],
    wont_do: Sequence[str],
    actor,
    created_at: datetime.datetime | None = None,
) -> UseCase:
    """Add a use case with its first version (use_case_version_create, which created_at is passed
    to: a draft written earlier, such as the report's), in one transaction. An archived audience
    is not offered for new use cases."""
    if audience.is_archived:
        raise ValidationError({"audience": _("%(name)s is archived: choose another audience") % {"name": audience}})
    use_case = UseCase(audience=audience, slug=slug, display_order=display_order, is_illustrative=is_illustrative)
    use_case.full_clean()
    with transaction.atomic():
        use_case.save()
        audit(
            actor=actor,
            action="use_case_created",
            obj=use_case,
            before={},
            after={
                name: audit_value(getattr(use_case, name))
                for name in ("slug", "audience", "display_order", "is_illustrative")
            },
        )
        use_case_version_create(
            use_case=use_case,
            title=title,
            impact_statement=impact_statement,
            research_questions=research_questions,
            data_flows=data_flows,
            will_do=will_do,
            wont_do=wont_do,
            actor=actor,
            created_at=created_at,
        )
    return use_case
