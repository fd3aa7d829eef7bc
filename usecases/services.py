"""State changes for use cases and their versions. Each runs in one transaction and writes an audit row."""

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audiences.models import Audience, Organisation
from bold_portal.field_changes import audit_value
from bold_portal.models import audit
from bold_portal.slugs import unique_slug
from usecases.consequences import consequence_keys, publish_consequences
from usecases.models import (
    CONCERNS,
    DATA_FLOW_KEYS,
    USE_CASE_SLUG_MAX,
    DataParty,
    UseCase,
    UseCaseDraft,
    UseCaseVersion,
)
from usecases.parties import flows_name, unknown_parties
from usecases.sections import DRAFT_FIELDS, SECTIONS, section_is_written
from usecases.signals import version_published


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
    concerns: Mapping[str, str] | None = None,
    change_summary: str = "",
    created_at: datetime.datetime | None = None,
) -> UseCaseVersion:
    """Add the next numbered version of a use case (versions are immutable: a revision is a new
    version). research_questions, will_do and wont_do are given one item each; data_flows as
    {"information", "from", "to"} dicts (with "purpose" and "legal_basis" where written); concerns
    by name (consent, anonymity, individual_impact, security). created_at defaults to now (set it for a draft written
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
            **(concerns or {}),
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


def use_case_start(*, audience: Audience, title: str, actor) -> UseCase:
    """A new use case with an empty draft of its first version, named by its title."""
    if audience.is_archived:
        raise ValidationError({"audience": _("%(name)s is archived: choose another audience") % {"name": audience}})
    if not title.strip():
        raise ValidationError({"title": _("Enter a title for the use case")})
    with transaction.atomic():
        slug = unique_slug(model=UseCase, name=title, max_length=USE_CASE_SLUG_MAX)
        order = (audience.use_cases.aggregate(last=Max("display_order"))["last"] or 0) + 1
        use_case = UseCase(audience=audience, slug=slug, display_order=order)
        use_case.full_clean()
        use_case.save()
        audit(
            actor=actor,
            action="use_case_created",
            obj=use_case,
            before={},
            after={"slug": slug, "audience": audience.slug},
        )
        draft = UseCaseDraft(use_case=use_case, title=title.strip(), updated_by=_person(actor))
        draft.full_clean()
        draft.save()
        audit(actor=actor, action="use_case_draft_started", obj=use_case, use_case=slug, number=1)
    return use_case


def use_case_draft_start(*, use_case: UseCase, actor) -> UseCaseDraft:
    """The draft of the use case's next version, begun from its latest version's text; the draft
    already begun, if there is one."""
    with transaction.atomic():
        use_case = UseCase.objects.select_for_update(of=("self",)).get(pk=use_case.pk)
        if draft := UseCaseDraft.objects.filter(use_case=use_case).first():
            return draft
        latest = use_case.latest_version
        text = {name: getattr(latest, name) for name in DRAFT_FIELDS} if latest else {}
        draft = UseCaseDraft(use_case=use_case, updated_by=_person(actor), **text)
        draft.full_clean()
        draft.save()
        audit(actor=actor, action="use_case_draft_started", obj=use_case, use_case=use_case.slug, number=draft.number)
    return draft


def use_case_draft_save(*, draft: UseCaseDraft, revision: int, changes: dict, actor) -> UseCaseDraft:
    """Save sections of a draft, however incomplete. revision is the one the page was opened at: if
    someone has saved since, nothing is saved (their text would be overwritten unseen)."""
    unknown = set(changes) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"Not parts of a draft: {sorted(unknown)}")
    with transaction.atomic():
        draft = _locked_draft(draft, revision)
        for name, value in changes.items():
            setattr(draft, name, value)
        draft.revision += 1
        draft.updated_at = timezone.now()
        draft.updated_by = _person(actor)
        draft.full_clean()
        draft.save()
        audit(actor=actor, action="use_case_draft_saved", obj=draft.use_case, fields=sorted(changes))
    return draft


def use_case_draft_publish(
    *,
    draft: UseCaseDraft,
    revision: int,
    change_summary: str,
    actor,
    expected_consequences: Sequence[str] | None = None,
) -> UseCaseVersion:
    """Freeze the draft as the use case's next version (what rounds review) and remove the draft.
    Refused, naming each section still to write, unless every section is written.

    expected_consequences: the keys of what the publish page listed that publishing takes away
    (usecases.consequences); if that has changed since, nothing is published and the author is
    asked to check the list again."""
    with transaction.atomic():
        draft = _locked_draft(draft, revision)
        if expected_consequences is not None and consequence_keys(publish_consequences(draft)) != sorted(
            expected_consequences
        ):
            raise ValidationError(
                _(
                    "What publishing takes away has changed since you opened this page. "
                    "Check the list again, then publish."
                ),
                code="consequences",
            )
        missing = [section for section in SECTIONS if not section_is_written(section, draft)]
        problems = [
            ValidationError(_("Write the section: %(name)s") % {"name": section.name}, code=section.slug)
            for section in missing
        ]
        problems += [
            ValidationError(
                _("%(name)s is not in the list of data parties: choose one from the list, or add it") % {"name": name},
                code="data-flows",
            )
            for name in unknown_parties(draft.data_flows)
        ]
        if problems:
            raise ValidationError(problems)
        version = use_case_version_create(
            use_case=draft.use_case,
            title=draft.title,
            impact_statement=draft.impact_statement,
            research_questions=draft.research_question_list,
            data_flows=[{key: flow[key].strip() for key in DATA_FLOW_KEYS} for flow in draft.data_flows],
            will_do=draft.will_do_list,
            wont_do=draft.wont_do_list,
            concerns={name: getattr(draft, name).strip() for name in CONCERNS},
            change_summary=change_summary,
            actor=actor,
        )
        draft.delete()
        version_published.send(sender=UseCaseVersion, version=version, actor=actor)
    return version


def _locked_draft(draft: UseCaseDraft, revision: int) -> UseCaseDraft:
    """The draft's row, locked until the end of the transaction; refused if saved since revision."""
    locked = UseCaseDraft.objects.select_for_update(of=("self",)).filter(pk=draft.pk).first()
    if locked is None:
        raise ValidationError(_("This draft has been published or removed since you opened it."), code="gone")
    if locked.revision != revision:
        raise ValidationError(
            _("Someone saved this draft after you opened it. Your text is below: copy what you need, then reload."),
            code="stale",
        )
    return locked


def _person(actor):
    return actor if getattr(actor, "pk", None) else None


def data_party_add(*, name: str, kind: str, organisation: Organisation | None, actor) -> DataParty:
    """Add a party that data goes from or to, for every author to choose."""
    party = DataParty(name=name.strip(), kind=kind, organisation=organisation, created_by=_person(actor))
    party.full_clean()
    try:
        with transaction.atomic():
            party.save()
            audit(
                actor=actor,
                action="data_party_added",
                obj=party,
                kind=kind,
                organisation=organisation.pk if organisation else None,
            )
    except IntegrityError as error:
        # Someone added the same name or organisation between the check above and this save.
        raise ValidationError(_("This party was added to the list a moment ago: choose it from the list")) from error
    return party


def data_party_change(*, party: DataParty, name: str, kind: str, organisation: Organisation | None, actor) -> DataParty:
    """Rename a party, change its kind, link it to an organisation in the portal or unlink it.
    Drafts that name it follow a new name; published versions keep the names they were published
    with. Linking counts from the next version published that names the party; unlinking leaves
    the interests already declared standing (docs/authors.md)."""
    try:
        with transaction.atomic():
            party = DataParty.objects.select_for_update(of=("self",)).get(pk=party.pk)
            before = {"name": party.name, "kind": party.kind, "organisation": party.organisation_id}
            party.name, party.kind, party.organisation = name.strip(), kind, organisation
            after = {"name": party.name, "kind": party.kind, "organisation": party.organisation_id}
            if before == after:
                return party
            party.full_clean()
            party.save()
            drafts = _drafts_renamed(before["name"], party.name) if before["name"] != party.name else []
            audit(actor=actor, action="data_party_changed", obj=party, before=before, after=after, drafts=drafts)
    except IntegrityError as error:
        # Someone took the same name or organisation between the check above and this save.
        raise ValidationError(_("Another party took this name or organisation a moment ago: check the list")) from error
    return party


def data_party_merge(*, party: DataParty, into: DataParty, actor) -> DataParty:
    """Merge party into another that stays: drafts that name party name the kept one instead, and
    party leaves the list. Published versions keep the names they were published with. A party
    linked to an organisation is not merged away (its link would be lost): unlink it first, or
    keep it and merge the other one into it."""
    if party.pk == into.pk:
        raise ValidationError({"into": _("Choose another party to keep: a party cannot be merged into itself")})
    with transaction.atomic():
        parties = DataParty.objects.select_for_update(of=("self",)).filter(pk__in=[party.pk, into.pk]).order_by("pk")
        locked = {p.pk: p for p in parties}  # locked in order of id, so that two merges at once cannot deadlock
        if party.pk not in locked:
            raise ValidationError(_("This party has been merged or removed since you opened the page."), code="gone")
        if into.pk not in locked:
            raise ValidationError({"into": _("The party to keep has been merged or removed: choose another")})
        party, into = locked[party.pk], locked[into.pk]
        if party.organisation_id:
            raise ValidationError(
                _(
                    "%(name)s is linked to %(organisation)s in the portal: unlink it first, "
                    "or keep it and merge the other party into it"
                )
                % {"name": party.name, "organisation": party.organisation}
            )
        drafts = _drafts_renamed(party.name, into.name)
        audit(
            actor=actor,
            action="data_party_merged",
            obj=into,
            merged=party.name,
            merged_id=party.pk,
            kept=into.name,
            drafts=drafts,
        )
        party.delete()
    return into


def _drafts_renamed(old: str, new: str) -> list[str]:
    """Inside a transaction, with the party's row locked: every draft's "from" and "to" that name old
    name new instead; each draft changed counts a save (a page opened before it is refused, showing
    what was typed). The slugs of the use cases whose drafts changed.

    Every draft is locked before any is read for the name: flows are JSON, read in Python, so no
    query can pick out the drafts that will name old once the saves in progress commit. A save in
    progress is waited for, and a mention it adds is renamed too; a save that starts later waits for
    this transaction (and is refused as out of date if its draft was renamed). The party's row is
    locked first, then the drafts, in merges and renames alike."""
    changed = []
    locked = UseCaseDraft.objects.select_for_update(of=("self",)).select_related("use_case").order_by()
    for draft in list(locked):
        if not flows_name(draft.data_flows, old):
            continue
        draft.data_flows = [
            {**flow, **{key: new for key in ("from", "to") if flow.get(key, "").strip() == old}}
            for flow in draft.data_flows
        ]
        draft.revision += 1
        draft.updated_at = timezone.now()
        draft.save(update_fields=["data_flows", "revision", "updated_at"])
        changed.append(draft.use_case.slug)
    return sorted(changed)
