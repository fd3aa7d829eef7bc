"""Loads the report's demo data (see reviews/demo/bold_report.py) in one transaction.

Every write goes through a service (the _ensure services of audiences, principles, usecases and
reviews, and reviews.services.reviews_record for the fieldwork reviews), each with its own checks
and audit row. Safe to run again: rows are matched on their slugs (accounts on their emails);
what is missing is added, fields that drifted from the report are put back, and nothing else is
touched. Use-case versions are immutable, so an existing version 1 is always kept as it is. A
run that finds everything in place changes no row at all, not even the audit log. The loader
never computes a matrix: the services queue its recompute, which runs after the transaction
commits (the Celery task; in-process under make run).
"""

import datetime
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from audiences.models import Audience, Membership, Organisation
from audiences.services.ensure import (
    account_ensure,
    audience_authors_ensure,
    audience_ensure,
    membership_ensure,
    organisation_ensure,
)
from bold_portal.roles import ADMINS, ANALYSTS, AUTHORS
from principles.models import Principle
from principles.services import principle_ensure
from reviews.demo import bold_report as report
from reviews.models import Review, ReviewRound
from reviews.services.ensure import assignment_ensure, round_ensure
from reviews.services.imports import ReviewRecord, reviews_record
from reviews.services.reviews import VerdictInput
from usecases.models import UseCase, UseCaseVersion
from usecases.services import use_case_ensure, use_case_version_create

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
}

ADVISORY_LOCK_KEY = 0x424F4C44  # "BOLD"

ROLE_LABELS = {
    report.REVIEWER: gettext_lazy("Reviewer"),
    report.LEAD: gettext_lazy("Organisation lead"),
    report.AUTHOR: gettext_lazy("Author"),
    report.ANALYST: gettext_lazy("Analyst"),
    report.ADMIN: gettext_lazy("Programme admin"),
}

# The model each kind counted through _Loader._ensure is, to name a row a service refused.
ENSURED_MODELS = {
    "audience": Audience,
    "organisation": Organisation,
    "principle": Principle,
    "use case": UseCase,
    "membership": Membership,
}

# Who the loader's audit rows name: nobody signed in, a command.
ACTOR = None


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
    # Slugs of the rounds whose matrix the run queued for recomputing (after it commits).
    matrices: set[str] = field(default_factory=set)

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
        if self.matrices:
            lines.append(
                ngettext(
                    "The matrix of round %(rounds)s is being brought up to date.",
                    "The matrices of rounds %(rounds)s are being brought up to date.",
                    len(self.matrices),
                )
                % {"rounds": ", ".join(sorted(self.matrices))}
            )
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
    existing rows conflict (for example an audience of the same name under another slug).
    The rounds' matrices are recomputed after the transaction commits (see reviews.signals)."""
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
        self._fieldwork_round(organisations, principles, versions)
        demo_reviewer = self._demo_accounts(audiences, organisations) if self.with_demo_accounts else None
        self._demo_round(organisations, principles, versions, demo_reviewer)
        return self.result

    # --- generic steps ------------------------------------------------------------------------

    @contextmanager
    def _refusal(self, thing: str, key: str):
        """A service's refusal (ValidationError) as a DemoDataError that names the row."""
        try:
            yield
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                problems = "; ".join(
                    f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
                    for name, messages in error.message_dict.items()
                )
            else:
                problems = " ".join(error.messages)
            raise DemoDataError(
                _(
                    "Could not load the %(thing)s “%(key)s” (%(problems)s). Nothing was loaded: change or remove "
                    "the conflicting row, then run the command again."
                )
                % {"thing": thing, "key": key, "problems": problems}
            ) from error

    def _ensure(self, kind: str, key: str, service: Callable, **kwargs):
        """Call an _ensure service and count what it did; returns what the service returned."""
        model = ENSURED_MODELS.get(kind)
        with self._refusal(model._meta.verbose_name if model else kind, key):
            ensured = service(actor=ACTOR, **kwargs)
        self._count(kind, created=ensured.created, updated=ensured.updated)
        return ensured

    def _count(self, kind: str, *, created: bool | int = 0, updated: bool | int = 0) -> None:
        if created:
            self.result.created[kind] += int(created)
        if updated:
            self.result.updated[kind] += int(updated)

    def _account(self, *, email: str, full_name: str, password: str | None, **flags):
        ensured = self._ensure(
            "account", email, account_ensure, email=email, full_name=full_name, password=password, **flags
        )
        self._count("group member", created=ensured.added)
        return ensured.obj

    def _membership(self, user, organisation: Organisation, role: str) -> Membership:
        return self._ensure(
            "membership",
            f"{user.email} at {organisation.slug}",
            membership_ensure,
            user=user,
            organisation=organisation,
            role=role,
        ).obj

    # --- the report's data --------------------------------------------------------------------

    def _audiences(self) -> dict[str, Audience]:
        return {
            data.slug: self._ensure(
                "audience",
                data.slug,
                audience_ensure,
                slug=data.slug,
                name=data.name,
                description=data.description,
                display_order=order,
                colour=data.colour,
            ).obj
            for order, data in enumerate(report.AUDIENCES, start=1)
        }

    def _organisations(self, audiences) -> dict[str, Organisation]:
        organisations = {}
        for data in report.ORGANISATIONS:
            ensured = self._ensure(
                "organisation",
                data.slug,
                organisation_ensure,
                slug=data.slug,
                name=data.name,
                audiences=[audiences[data.audience]],
            )
            self._count("organisation audience", created=ensured.added)
            organisations[data.slug] = ensured.obj
        return organisations

    def _principles(self) -> list[Principle]:
        return [
            self._ensure(
                "principle",
                data.slug,
                principle_ensure,
                slug=data.slug,
                name=data.name,
                order=order,
                question=data.question,
                guidance=data.guidance,
            ).obj
            for order, data in enumerate(report.PRINCIPLES, start=1)
        ]

    def _use_cases(self, audiences) -> dict[str, UseCaseVersion]:
        """Each use case with its version 1, by use-case slug."""
        versions = {}
        orders = Counter()
        for data in report.USE_CASES:
            orders[data.audience] += 1
            use_case = self._ensure(
                "use case",
                data.slug,
                use_case_ensure,
                slug=data.slug,
                audience=audiences[data.audience],
                display_order=orders[data.audience],
                is_illustrative=True,
            ).obj
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
        if version is not None:
            if any(getattr(version, name) != value for name, value in content.items()):
                self.result.kept_versions.append(data.slug)
            return version
        if use_case.versions.exists():
            raise DemoDataError(
                _(
                    "Could not load version 1 of the use case “%(use_case)s”: it has other versions but no "
                    "version 1. Nothing was loaded: change or remove the conflicting rows, then run the command "
                    "again."
                )
                % {"use_case": data.slug}
            )
        with self._refusal(UseCaseVersion._meta.verbose_name, data.slug):
            version = use_case_version_create(
                use_case=use_case,
                title=data.title,
                impact_statement=data.impact_statement,
                research_questions=data.research_questions,
                data_flows=data.data_flows,
                will_do=data.will_do,
                wont_do=data.wont_do,
                created_at=report.VERSIONS_CREATED_AT,
                actor=ACTOR,
            )
        self._count("version", created=True)
        return version

    def _round(self, key: str, **kwargs) -> ReviewRound:
        with self._refusal(ReviewRound._meta.verbose_name, key):
            ensured = round_ensure(slug=key, actor=ACTOR, **kwargs)
        self._count("round", created=ensured.created, updated=ensured.updated)
        self._count("round principle", created=ensured.principles_added)
        self._count("round version", created=ensured.versions_added)
        if ensured.matrix_queued:
            self.result.matrices.add(key)
        return ensured.review_round

    def _assignment(self, key: str, **kwargs) -> None:
        with self._refusal(_("assignment"), key):
            ensured = assignment_ensure(actor=ACTOR, **kwargs)
        self._count("assignment", created=ensured.created, updated=ensured.updated)

    def _fieldwork_round(self, organisations, principles, versions) -> ReviewRound:
        data = report.FIELDWORK_ROUND
        review_round = self._round(
            data.slug,
            name=data.name,
            status=ReviewRound.Status.CLOSED,
            closed_at=report.FIELDWORK_CLOSED_AT,
            principles=principles,
            versions=list(versions.values()),
            threshold=Decimal(data.threshold),
            min_reviews=data.min_reviews,
            opens_on=data.opens_on,
            closes_on=data.closes_on,
        )
        already_reviewed = set(Review.objects.filter(round=review_round).values_list("reviewer_id", "version_id"))
        records = []
        for audience_index, (audience, reviewers) in enumerate(data.reviewers.items()):
            use_cases = [uc for uc in report.USE_CASES if uc.audience == audience]
            for reviewer_index, reviewer_data in enumerate(reviewers):
                organisation = organisations[reviewer_data.organisation]
                reviewer = self._account(
                    email=reviewer_data.email,
                    full_name="Fieldwork reviewer " + reviewer_data.email.split("@")[0].removeprefix("reviewer-"),
                    password=None,
                    # Their 2023 verdicts stand, but nobody should expect new reviews from them.
                    is_active=False,
                )
                self._membership(reviewer, organisation, Membership.Role.REVIEWER)
                for use_case_index, use_case in enumerate(use_cases):
                    version = versions[use_case.slug]
                    self._assignment(
                        f"{use_case.slug} for {reviewer.email}",
                        review_round=review_round,
                        version=version,
                        reviewer=reviewer,
                        due_on=data.closes_on,
                    )
                    if (reviewer.pk, version.pk) in already_reviewed:
                        continue
                    submitted_at = report.FIELDWORK_FIRST_SUBMISSION + datetime.timedelta(
                        days=3 * use_case_index + reviewer_index, hours=audience_index
                    )
                    records.append(
                        ReviewRecord(
                            reviewer=reviewer,
                            organisation=organisation,
                            version=version,
                            submitted_at=submitted_at,
                            verdicts=[
                                VerdictInput(
                                    principle_id=principle.pk,
                                    verdict=judgement.verdict,
                                    reason=judgement.reason,
                                    suggested_rewording=judgement.suggested_rewording,
                                )
                                for principle in principles
                                for judgement in [use_case.fieldwork[principle.slug][reviewer_index]]
                            ],
                        )
                    )
        if records:
            with self._refusal(_("fieldwork reviews of"), data.slug):
                reviews = reviews_record(review_round=review_round, reviews=records, actor=ACTOR)
            self._count("review", created=len(reviews))
            self._count("verdict", created=sum(len(record.verdicts) for record in records))
            self.result.matrices.add(data.slug)
        return review_round

    # --- local demo -----------------------------------------------------------------------------

    def _demo_accounts(self, audiences, organisations):
        """One sign-in per role; returns the demo reviewer."""
        groups = {report.AUTHOR: [AUTHORS], report.ANALYST: [ANALYSTS], report.ADMIN: [ADMINS]}
        users = {}
        for data in report.DEMO_ACCOUNTS:
            is_admin = data.role == report.ADMIN
            users[data.role] = self._account(
                email=data.email,
                full_name=data.full_name,
                password=report.DEMO_PASSWORD,
                groups=groups.get(data.role, []),
                **({"is_staff": True, "is_superuser": True} if is_admin else {}),
            )
            self.result.sign_ins.append((data.role, data.email))
        organisation = organisations[report.DEMO_ORGANISATION]
        self._membership(users[report.REVIEWER], organisation, Membership.Role.REVIEWER)
        self._membership(users[report.LEAD], organisation, Membership.Role.LEAD)
        added = audience_authors_ensure(
            audience=audiences[report.DEMO_AUTHOR_AUDIENCE], users=[users[report.AUTHOR]], actor=ACTOR
        )
        self._count("audience author", created=added)
        return users[report.REVIEWER]

    def _demo_round(self, organisations, principles, versions, demo_reviewer) -> ReviewRound:
        data = report.DEMO_ROUND
        opens_on = timezone.localdate() - datetime.timedelta(days=data.opened_days_before_load)
        # Everything is set once, when the round is first made, so later runs never move its dates.
        review_round = self._round(
            data.slug,
            name=data.name,
            status=ReviewRound.Status.OPEN,
            principles=principles,
            versions=[versions[a.use_case] for a in data.assignments],
            restore=False,
            opens_on=opens_on,
            closes_on=opens_on + datetime.timedelta(days=data.open_for_days),
        )
        for assignment in data.assignments:
            if assignment.to_demo_reviewer and demo_reviewer is None:
                continue
            assignee = (
                {"reviewer": demo_reviewer}
                if assignment.to_demo_reviewer
                else {"organisation": organisations[data.organisation]}
            )
            # Due dates count from the round's own opening date, so they stay put on later runs.
            due_on = review_round.opens_on and review_round.opens_on + datetime.timedelta(
                days=assignment.due_after_days
            )
            self._assignment(
                assignment.use_case,
                review_round=review_round,
                version=versions[assignment.use_case],
                due_on=due_on,
                restore_due_on=False,
                **assignee,
            )
        return review_round
