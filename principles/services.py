"""State changes for principles. Each runs in one transaction and writes an audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from bold_portal.field_changes import audit_value, drifted_fields_set
from bold_portal.models import audit
from bold_portal.slugs import unique_slug
from principles.models import Principle
from principles.sections import sections_in_order


def _principle_check(principle: Principle) -> None:
    """full_clean, with a clear message when the name is taken (whatever its letter case)."""
    errors = {}
    if Principle.objects.filter(name__iexact=principle.name).exclude(pk=principle.pk).exists():
        errors["name"] = [
            _("There is already a principle called %(name)s. Choose another name.") % {"name": principle.name}
        ]
    try:
        principle.full_clean(exclude=["name"] if errors else None)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)


def principle_create(
    *, name: str, question: str, guidance: str = "", slug: str = "", reads_sections=(), actor
) -> Principle:
    """Add a principle after the others, offered for new rounds. Rounds already set up keep the
    principles they have. Its slug (which names its answers on review forms, and never changes) is
    made from the name unless given (the report's data names "Clear and informative" `clear`).
    reads_sections: the codes of the use case's sections it asks about (principles.sections)."""
    last = Principle.objects.aggregate(last=Max("order"))["last"] or 0
    principle = Principle(
        name=name.strip(),
        slug=slug.strip() or unique_slug(model=Principle, name=name, max_length=60),
        order=last + 1,
        question=question.strip(),
        guidance=guidance.strip(),
        is_active=True,
        reads_sections=_sections(reads_sections),
    )
    _principle_check(principle)
    with transaction.atomic():
        principle.save()
        audit(
            actor=actor,
            action="principle_created",
            obj=principle,
            before={},
            after={name: audit_value(getattr(principle, name)) for name in FIELDS},
        )
    return principle


FIELDS = ("name", "slug", "order", "question", "guidance", "is_active", "reads_sections")


def _sections(codes) -> list[str]:
    """Known codes in the use case's order, each once; unknown codes are kept for full_clean to name."""
    codes = list(codes)
    return sections_in_order(codes) + sorted(set(codes) - set(sections_in_order(codes)))


def principle_update(
    *,
    principle: Principle,
    name: str,
    question: str,
    guidance: str,
    is_active: bool,
    reads_sections=None,
    actor,
) -> Principle:
    """Change a principle's wording, whether it is offered for new rounds, or the sections of a use
    case it reads (None: unchanged). Its slug (which names its answers on review forms) never
    changes. Rounds that use it keep it either way."""
    fresh = Principle.objects.get(pk=principle.pk)
    values = {"name": name.strip(), "question": question.strip(), "guidance": guidance.strip(), "is_active": is_active}
    if reads_sections is not None:
        values["reads_sections"] = _sections(reads_sections)
    before, after = drifted_fields_set(fresh, values)
    if not after:
        return principle
    _principle_check(fresh)
    with transaction.atomic():
        fresh.save(update_fields=list(after))
        audit(actor=actor, action="principle_updated", obj=fresh, before=before, after=after)
    return fresh
