"""Loads the report's demo data (see reviews/demo/bold_report.py) in one transaction.

Safe to run again: rows are matched on their slugs (accounts on their emails); what is missing
is added, fields that drifted from the report are put back, and nothing else is touched. Use-case
versions are immutable, so an existing version 1 is always kept as it is. A run that finds
everything in place changes no row at all, not even the matrix snapshots or the audit log.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from audiences.models import Audience, Membership, Organisation
from bold_portal.models import audit
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS
from principles.models import Principle
from reviews.demo import bold_report as report
from reviews.models import Assignment, Review, ReviewRound, Verdict
from reviews.services import verdict_problem, version_reviews_changed
from usecases.models import UseCase, UseCaseVersion

# What the loader creates or updates, as counted in its summary.
KINDS = {
    "audience": ngettext_lazy("%(count)d audience", "%(count)d audiences", "count"),
    "organisation": ngettext_lazy("%(count)d organisation", "%(count)d organisations", "count"),
    "organisation audience": ngettext_lazy(
        "%(count)d link from an organisation to its audience",
        "%(count)d links from organisations to audiences",
        "count",
    ),
    "principle": ngettext_lazy("%(count)d principle", "%(count)d principles", "count"),
    "use case": ngettext_lazy("%(count)d illustrative use case", "%(count)d illustrative use cases", "count"),
    "version": ngettext_lazy("%(count)d use case version", "%(count)d use case versions", "count"),
    "account": ngettext_lazy("%(count)d account", "%(count)d accounts", "count"),
    "membership": ngettext_lazy("%(count)d organisation membership", "%(count)d organisation memberships", "count"),
    "group": ngettext_lazy("%(count)d role group", "%(count)d role groups", "count"),
    "group member": ngettext_lazy("%(count)d place in a role group", "%(count)d places in role groups", "count"),
    "audience author": ngettext_lazy("%(count)d audience author", "%(count)d audience authors", "count"),
    "round": ngettext_lazy("%(count)d review round", "%(count)d review rounds", "count"),
    "round principle": ngettext_lazy(
        "%(count)d principle added to a round", "%(count)d principles added to rounds", "count"
    ),
    "round version": ngettext_lazy(
        "%(count)d use case version added to a round", "%(count)d use case versions added to rounds", "count"
    ),
    "assignment": ngettext_lazy("%(count)d assignment", "%(count)d assignments", "count"),
    "review": ngettext_lazy("%(count)d submitted review", "%(count)d submitted reviews", "count"),
    "verdict": ngettext_lazy("%(count)d verdict", "%(count)d verdicts", "count"),
    "snapshot": ngettext_lazy("%(count)d matrix snapshot", "%(count)d matrix snapshots", "count"),
}

ADVISORY_LOCK_KEY = 0x424F4C44  # "BOLD"

ROLE_LABELS = {
    report.REVIEWER: gettext_lazy("Reviewer"),
    report.LEAD: gettext_lazy("Organisation lead"),
    report.AUTHOR: gettext_lazy("Author"),
    report.ANALYST: gettext_lazy("Analyst"),
    report.ADMIN: gettext_lazy("Programme admin"),
}


class DemoDataError(Exception):
    """Something in the database conflicts with the demo data. Nothing was loaded."""


@dataclass
class LoadResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    # Use cases whose existing version 1 differs from the report's draft; versions never change.
    kept_versions: list[str] = field(default_factory=list)
    # (role, email) of the demo sign-ins, when they were asked for.
    sign_ins: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary_lines(self) -> list[str]:
        if not self.changed:
            lines = [_("Nothing to change: the report's demo data is already loaded.")]
        else:
            lines = [_("Loaded the report's demo data:")]
            lines += [_("Created %(items)s.") % {"items": KINDS[k] % {"count": n}} for k, n in self.created.items()]
            lines += [_("Updated %(items)s.") % {"items": KINDS[k] % {"count": n}} for k, n in self.updated.items()]
        lines += [
            _(
                "Kept version 1 of “%(use_case)s” as it is, although it differs from the report's draft: versions "
                "cannot be changed. Add a new version to revise it."
            )
            % {"use_case": slug}
            for slug in self.kept_versions
        ]
        if self.sign_ins:
            lines.append(
                _("Demo sign-ins, for local use only. Every one has the password %(password)s")
                % {"password": report.DEMO_PASSWORD}
            )
            lines += [f"  {ROLE_LABELS[role]}: {email}" for role, email in self.sign_ins]
        return lines


def bold_report_load(*, with_demo_accounts: bool) -> LoadResult:
    """Load the report's audiences, organisations, principles, illustrative use cases, the closed
    fieldwork round that reproduces the report's table and an open demo round; with
    with_demo_accounts, also one sign-in per role. Raises DemoDataError and changes nothing if
    existing rows conflict (for example an audience of the same name under another slug)."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Two loads at once (say, two containers starting) would race to create the same
                # rows: the second waits here for the first, then finds nothing to change.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            return _Loader(with_demo_accounts=with_demo_accounts).run()
    except IntegrityError as error:
        raise DemoDataError(
            _("Someone changed the same rows while the demo data was loading, so nothing was loaded. Run it again.")
        ) from error


class _Loader:
    def __init__(self, *, with_demo_accounts: bool):
        self.with_demo_accounts = with_demo_accounts
        self.result = LoadResult()

    def run(self) -> LoadResult:
        audiences = self._audiences()
        organisations = self._organisations(audiences)
        principles = self._principles()
        versions = self._use_cases(audiences)
        fieldwork = self._fieldwork_round(organisations, principles, versions)
        demo_reviewer = self._demo_accounts(audiences, organisations) if self.with_demo_accounts else None
        self._demo_round(organisations, principles, versions, demo_reviewer)
        if self.result.changed:
            audit(
                actor=None,
                action="bold_report_loaded",
                obj=fieldwork,
                created=dict(self.result.created),
                updated=dict(self.result.updated),
            )
        return self.result

    # --- generic steps ------------------------------------------------------------------------

    def _save(self, obj: models.Model, key: str, **save_kwargs) -> None:
        try:
            obj.full_clean()
        except ValidationError as error:
            problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
            raise DemoDataError(
                _(
                    "Could not load the %(thing)s “%(key)s” (%(problems)s). Nothing was loaded: change or remove "
                    "the conflicting row, then run the command again."
                )
                % {"thing": obj._meta.verbose_name, "key": key, "problems": problems}
            ) from error
        obj.save(**save_kwargs)

    def _upsert(self, kind: str, model, *, key: str, lookup: dict, values: dict, on_create: dict | None = None):
        """The row matching lookup, created with values (and on_create) if missing, or with any of
        values that drifted put back. Fields in on_create are set once and never updated."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values, **(on_create or {}))
            self._save(obj, key)
            self.result.created[kind] += 1
            return obj
        drifted = [name for name, value in values.items() if getattr(obj, name) != value]
        if drifted:
            for name in drifted:
                setattr(obj, name, values[name])
            self._save(obj, key, update_fields=drifted)
            self.result.updated[kind] += 1
        return obj

    def _link(self, kind: str, manager, objects) -> int:
        """Add the objects missing from a many-to-many relation; never remove any."""
        present = set(manager.values_list("pk", flat=True))
        missing = [obj for obj in objects if obj.pk not in present]
        if missing:
            manager.add(*missing)
            self.result.created[kind] += len(missing)
        return len(missing)

    def _account(self, *, email: str, full_name: str, password: str | None, flags: dict):
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=email).first()
        if user is None and password is not None:
            try:
                validate_password(password, user_model(email=email))
            except ValidationError as error:
                raise DemoDataError(
                    _("The demo password is refused by the password rules: %(problems)s")
                    % {"problems": " ".join(error.messages)}
                ) from error
        return self._upsert(
            "account",
            user_model,
            key=email,
            lookup={"email": email},
            values=flags,
            on_create={
                "full_name": full_name,
                # None makes an unusable password: these accounts cannot sign in.
                "password": make_password(password),
            },
        )

    # --- the report's data --------------------------------------------------------------------

    def _audiences(self) -> dict[str, Audience]:
        return {
            data.slug: self._upsert(
                "audience",
                Audience,
                key=data.slug,
                lookup={"slug": data.slug},
                values={
                    "name": data.name,
                    "description": data.description,
                    "display_order": order,
                    "colour": data.colour,
                },
            )
            for order, data in enumerate(report.AUDIENCES, start=1)
        }

    def _organisations(self, audiences) -> dict[str, Organisation]:
        organisations = {}
        for data in report.ORGANISATIONS:
            organisation = self._upsert(
                "organisation", Organisation, key=data.slug, lookup={"slug": data.slug}, values={"name": data.name}
            )
            self._link("organisation audience", organisation.audiences, [audiences[data.audience]])
            organisations[data.slug] = organisation
        return organisations

    def _principles(self) -> list[Principle]:
        return [
            self._upsert(
                "principle",
                Principle,
                key=data.slug,
                lookup={"slug": data.slug},
                values={"name": data.name, "order": order, "question": data.question, "guidance": data.guidance},
            )
            for order, data in enumerate(report.PRINCIPLES, start=1)
        ]

    def _use_cases(self, audiences) -> dict[str, UseCaseVersion]:
        """Each use case with its version 1, by use-case slug."""
        versions = {}
        orders = Counter()
        for data in report.USE_CASES:
            orders[data.audience] += 1
            use_case = self._upsert(
                "use case",
                UseCase,
                key=data.slug,
                lookup={"slug": data.slug},
                values={
                    "audience_id": audiences[data.audience].pk,
                    "display_order": orders[data.audience],
                    "is_illustrative": True,
                },
            )
            versions[data.slug] = self._version_one(use_case, data)
        return versions

    def _version_one(self, use_case: UseCase, data: report.UseCaseData) -> UseCaseVersion:
        content = {
            "title": data.title,
            "impact_statement": data.impact_statement,
            "research_questions": "\n".join(data.research_questions),
            "data_flows": [dict(flow) for flow in data.data_flows],
            "will_do": "\n".join(data.will_do),
            "wont_do": "\n".join(data.wont_do),
        }
        version = UseCaseVersion.objects.filter(use_case=use_case, number=1).first()
        if version is None:
            version = UseCaseVersion(use_case=use_case, number=1, created_at=report.VERSIONS_CREATED_AT, **content)
            self._save(version, data.slug)
            self.result.created["version"] += 1
        elif any(getattr(version, name) != value for name, value in content.items()):
            self.result.kept_versions.append(data.slug)
        return version

    def _membership(self, user, organisation: Organisation, role: str) -> Membership:
        return self._upsert(
            "membership",
            Membership,
            key=f"{user.email} at {organisation.slug}",
            lookup={"user_id": user.pk, "organisation_id": organisation.pk},
            values={"role": role},
        )

    def _fieldwork_round(self, organisations, principles, versions) -> ReviewRound:
        data = report.FIELDWORK_ROUND
        review_round = self._upsert(
            "round",
            ReviewRound,
            key=data.slug,
            lookup={"slug": data.slug},
            values={
                "name": data.name,
                "status": ReviewRound.Status.CLOSED,
                "closed_at": report.FIELDWORK_CLOSED_AT,
                "threshold": Decimal(data.threshold),
                "min_reviews": data.min_reviews,
                "opens_on": data.opens_on,
                "closes_on": data.closes_on,
            },
        )
        self._link("round principle", review_round.principles, principles)
        self._link("round version", review_round.versions, versions.values())
        reviewed_versions = set()

        already_reviewed = set(Review.objects.filter(round=review_round).values_list("reviewer_id", "version_id"))
        for audience_index, (audience, reviewers) in enumerate(data.reviewers.items()):
            use_cases = [uc for uc in report.USE_CASES if uc.audience == audience]
            for reviewer_index, reviewer_data in enumerate(reviewers):
                organisation = organisations[reviewer_data.organisation]
                reviewer = self._account(
                    email=reviewer_data.email,
                    full_name="Fieldwork reviewer " + reviewer_data.email.split("@")[0].removeprefix("reviewer-"),
                    password=None,
                    # Their 2023 verdicts stand, but nobody should expect new reviews from them.
                    flags={"is_active": False},
                )
                self._membership(reviewer, organisation, Membership.Role.REVIEWER)
                for use_case_index, use_case in enumerate(use_cases):
                    version = versions[use_case.slug]
                    self._upsert(
                        "assignment",
                        Assignment,
                        key=f"{use_case.slug} for {reviewer.email}",
                        lookup={"round_id": review_round.pk, "version_id": version.pk, "reviewer_id": reviewer.pk},
                        values={"due_on": data.closes_on},
                    )
                    if (reviewer.pk, version.pk) in already_reviewed:
                        continue
                    submitted_at = report.FIELDWORK_FIRST_SUBMISSION + datetime.timedelta(
                        days=3 * use_case_index + reviewer_index, hours=audience_index
                    )
                    judgements = {slug: trio[reviewer_index] for slug, trio in use_case.fieldwork.items()}
                    self._fieldwork_review(
                        review_round, version, reviewer, organisation, principles, judgements, submitted_at
                    )
                    reviewed_versions.add(version.pk)
        for version_id in sorted(reviewed_versions):
            version_reviews_changed(round_id=review_round.pk, version_id=version_id)
        return review_round

    def _fieldwork_review(self, review_round, version, reviewer, organisation, principles, judgements, submitted_at):
        key = f"{version.use_case.slug} by {reviewer.email}"
        review = Review(
            round=review_round,
            version=version,
            reviewer=reviewer,
            organisation=organisation,
            status=Review.Status.SUBMITTED,
            submitted_at=submitted_at,
        )
        self._save(review, key)
        verdicts = []
        for principle in principles:
            judgement = judgements[principle.slug]
            problem = verdict_problem(verdict=judgement.verdict, reason=judgement.reason)
            if problem:
                raise DemoDataError(
                    _("The fieldwork review of %(review)s cannot be saved. %(principle)s: %(problem)s.")
                    % {"review": key, "principle": principle.name, "problem": problem}
                )
            verdict = Verdict(
                review=review,
                principle=principle,
                verdict=judgement.verdict,
                reason=judgement.reason,
                suggested_rewording=judgement.suggested_rewording,
            )
            verdict.full_clean(exclude=["review", "principle"], validate_unique=False)
            verdicts.append(verdict)
        Verdict.objects.bulk_create(verdicts)
        self.result.created["review"] += 1
        self.result.created["verdict"] += len(verdicts)

    # --- local demo -----------------------------------------------------------------------------

    def _demo_accounts(self, audiences, organisations):
        """One sign-in per role; returns the demo reviewer."""
        groups = {
            name: self._upsert("group", Group, key=name, lookup={"name": name}, values={})
            for name in (ANALYSTS, AUTHORS, ADMINS)
        }
        organisation = organisations[report.DEMO_ORGANISATION]
        users = {}
        for data in report.DEMO_ACCOUNTS:
            is_admin = data.role == report.ADMIN
            user = self._account(
                email=data.email,
                full_name=f"{data.first_name} {data.last_name}",
                password=report.DEMO_PASSWORD,
                flags={"is_staff": True, "is_superuser": True} if is_admin else {},
            )
            users[data.role] = user
            self.result.sign_ins.append((data.role, data.email))
        self._membership(users[report.REVIEWER], organisation, Membership.Role.REVIEWER)
        self._membership(users[report.LEAD], organisation, Membership.Role.LEAD)
        self._link("group member", users[report.AUTHOR].groups, [groups[AUTHORS]])
        self._link("audience author", audiences[report.DEMO_AUTHOR_AUDIENCE].authors, [users[report.AUTHOR]])
        self._link("group member", users[report.ANALYST].groups, [groups[ANALYSTS]])
        self._link("group member", users[report.ADMIN].groups, [groups[ADMINS]])
        return users[report.REVIEWER]

    def _demo_round(self, organisations, principles, versions, demo_reviewer) -> ReviewRound:
        data = report.DEMO_ROUND
        opens_on = timezone.localdate() - datetime.timedelta(days=data.opened_days_before_load)
        # Everything is set once, when the round is first made, so later runs never move its dates.
        review_round = self._upsert(
            "round",
            ReviewRound,
            key=data.slug,
            lookup={"slug": data.slug},
            values={},
            on_create={
                "name": data.name,
                "status": ReviewRound.Status.OPEN,
                "opens_on": opens_on,
                "closes_on": opens_on + datetime.timedelta(days=data.open_for_days),
            },
        )
        self._link("round principle", review_round.principles, principles)
        self._link("round version", review_round.versions, [versions[a.use_case] for a in data.assignments])
        for assignment in data.assignments:
            if assignment.to_demo_reviewer and demo_reviewer is None:
                continue
            assignee = (
                {"reviewer_id": demo_reviewer.pk}
                if assignment.to_demo_reviewer
                else {"organisation_id": organisations[data.organisation].pk}
            )
            # Due dates count from the round's own opening date, so they stay put on later runs.
            due_on = review_round.opens_on and review_round.opens_on + datetime.timedelta(
                days=assignment.due_after_days
            )
            self._upsert(
                "assignment",
                Assignment,
                key=assignment.use_case,
                lookup={"round_id": review_round.pk, "version_id": versions[assignment.use_case].pk, **assignee},
                values={},
                on_create={"due_on": due_on},
            )
        return review_round
