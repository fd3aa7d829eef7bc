"""Loads the report's demo data (see reviews/demo/bold_report.py) into an empty database, in one
transaction, through the same services as the pages and the import: audiences, organisations,
principles, use cases and data parties are created, people get accounts and places in
organisations, rounds are created, given their use case versions and assignments, and opened or
closed; each service with its own checks and audit row. The loader writes nothing itself and
changes nothing that exists.

A database is in one of three states (demo_data_state): empty, holding the demo data (a later run
says so, prints the sign-ins and changes nothing), or holding other data (refused). --reset empties
the local SQLite database of `make run` first, when it holds the demo data or nothing
(reset_problem says when it refuses). The loader never computes a matrix: the services queue its
recompute, which runs after the transaction commits (the Celery task; in-process under make run).
"""

import datetime
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from accounts.services.access import account_staff_roles_set
from accounts.services.accounts import account_create
from audiences.models import Audience, Membership, Organisation
from audiences.services.audiences import audience_authors_add, audience_create
from audiences.services.memberships import membership_create
from audiences.services.organisations import organisation_create
from principles.models import Principle
from principles.services import principle_create
from reviews.demo import bold_report as report
from reviews.models import ReviewRound
from reviews.services.assignments import assignment_create
from reviews.services.imports import ReviewRecord, reviews_record
from reviews.services.reviews import VerdictInput
from reviews.services.rounds import round_create, round_open, round_set_status, round_versions_change
from usecases.models import DataParty, UseCase, UseCaseVersion
from usecases.services import data_party_add, use_case_create

# What the loader creates, as counted in its summary.
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
    "data party": ngettext_lazy("%(count)d data party", "%(count)d data parties", "count"),
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

# The staff role (accounts.services.access.STAFF_ROLE_GROUPS) each demo sign-in has, if any.
STAFF_ROLES = {report.AUTHOR: "author", report.ANALYST: "analyst", report.ADMIN: "admin"}

# Who the loader's audit rows name: nobody signed in, a command.
ACTOR = None

# The states of a database, as demo_data_state says.
EMPTY, LOADED, OTHER = "empty", "loaded", "other"

# Rows the migrations write, which an empty database has all the same (model labels, lower case).
MIGRATION_ROWS = {"bold_portal.auditretention"}
# What --reset keeps: what the migrations made (the role groups, permissions, content types).
KEPT_ON_RESET = MIGRATION_ROWS | {"auth.group", "auth.permission", "auth.group_permissions", "contenttypes.contenttype"}

# The local database `make run` uses: DATABASE_URL's default, beside manage.py.
LOCAL_DATABASE_NAME = "db.sqlite3"


class DemoDataError(Exception):
    """The database cannot take the demo data (it holds other data, or --reset was refused).
    Nothing was changed."""


@dataclass
class LoadResult:
    created: Counter = field(default_factory=Counter)
    # The demo data was there already: nothing was changed.
    already_loaded: bool = False
    # --reset emptied the local database first (its file name).
    emptied: str = ""
    # (role, email) of the demo sign-ins, when they were asked for.
    sign_ins: list[tuple[str, str]] = field(default_factory=list)
    # Slugs of the rounds whose matrix the run queued for recomputing (after it commits).
    matrices: set[str] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.created)

    def summary_lines(self) -> list[str]:
        if self.already_loaded:
            lines = [_("Nothing to change: the report's demo data is already loaded.")]
        else:
            lines = [_("Loaded the report's demo data:")]
            lines += [_("Created %(items)s.") % {"items": KINDS[k] % {"count": n}} for k, n in self.created.items()]
        if self.emptied:
            lines.insert(
                0,
                _("Emptied the local database %(name)s: everything in it was deleted.") % {"name": self.emptied},
            )
        if self.matrices:
            lines.append(
                ngettext(
                    "The matrix of round %(rounds)s is being brought up to date.",
                    "The matrices of rounds %(rounds)s are being brought up to date.",
                    len(self.matrices),
                )
                % {"rounds": ", ".join(sorted(self.matrices))}
            )
        if self.sign_ins:
            lines.append(
                _("Demo sign-ins, for local use only. Every one has the password %(password)s")
                % {"password": report.DEMO_PASSWORD}
            )
            lines += [f"  {ROLE_LABELS[role]}: {email}" for role, email in self.sign_ins]
        return lines


def bold_report_load(*, with_demo_accounts: bool, reset: bool = False) -> LoadResult:
    """Load the report's audiences, organisations, principles, illustrative use cases, data parties,
    the closed fieldwork round that reproduces the report's table and an open demo round into an
    empty database; with with_demo_accounts, also one sign-in per role. If the demo data is there already,
    change nothing and say so. With reset, first empty the local database (reset_problem).
    Raises DemoDataError, having changed nothing, when the database holds other data or reset is
    refused. The rounds' matrices are recomputed after the transaction commits (see reviews.signals)."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Two loads at once (say, two containers starting) would race to create the same
                # rows: the second waits here for the first, then finds the demo data loaded.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            state = demo_data_state()
            emptied = ""
            if reset:
                if problem := reset_problem(state):
                    raise DemoDataError(problem)
                _local_database_empty()
                emptied, state = LOCAL_DATABASE_NAME, EMPTY
            if state == LOADED:
                return _already_loaded(with_demo_accounts=with_demo_accounts)
            if state == OTHER:
                raise DemoDataError(
                    _(
                        "This database already holds data that is not the report's demo data, so nothing was "
                        "loaded: the demo data goes only into an empty database. Use an empty database, or, for "
                        "the local database that make run uses, run `manage.py load_bold_report --reset`, which "
                        "deletes everything in it first."
                    )
                )
            result = _Loader(with_demo_accounts=with_demo_accounts).run()
            result.emptied = emptied
            return result
    except IntegrityError as error:
        raise DemoDataError(
            _("Someone changed the same rows while the demo data was loading, so nothing was loaded. Run it again.")
        ) from error


# --- the state of the database --------------------------------------------------------------------


def _portal_models() -> list:
    """The models of the portal's own apps (the packages at the project's top level, not those
    installed into a virtualenv that may sit inside the project), through tables included."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == base
        for model in config.get_models(include_auto_created=True)
    ]


def _demo_data_present() -> bool:
    """The rows the loader makes, by the names that never change: every audience, organisation,
    principle and use case of the report, and both rounds."""
    wanted = [
        (Audience, [data.slug for data in report.AUDIENCES]),
        (Organisation, [data.slug for data in report.ORGANISATIONS]),
        (Principle, [data.slug for data in report.PRINCIPLES]),
        (UseCase, [data.slug for data in report.USE_CASES]),
        (ReviewRound, [report.FIELDWORK_ROUND.slug, report.DEMO_ROUND.slug]),
    ]
    return all(model.objects.filter(slug__in=slugs).count() == len(slugs) for model, slugs in wanted)


def demo_data_state() -> str:
    """EMPTY (no row in any of the portal's tables but those the migrations write), LOADED (the
    demo data is there, with whatever was done with it since) or OTHER."""
    if not any(model.objects.exists() for model in _portal_models() if model._meta.label_lower not in MIGRATION_ROWS):
        return EMPTY
    return LOADED if _demo_data_present() else OTHER


def is_local_database() -> bool:
    """The database in use is the SQLite file `make run` makes beside manage.py."""
    if connection.vendor != "sqlite":
        return False
    local = Path(settings.BASE_DIR).resolve() / LOCAL_DATABASE_NAME
    return Path(str(connection.settings_dict["NAME"])).resolve() == local


def reset_problem(state: str) -> str | None:
    """Why --reset may not empty this database, or None. It empties only a database the loader
    built itself for local use: DEBUG on, the local SQLite file of `make run`, holding the demo data
    (with whatever was done with it since) or nothing."""
    if not settings.DEBUG:
        return _("--reset empties only a local database, and DEBUG is off here. Nothing was changed.")
    if not is_local_database():
        return _(
            "--reset empties only the local SQLite database that make run uses (%(name)s beside manage.py), "
            "and this is another database. Nothing was changed."
        ) % {"name": LOCAL_DATABASE_NAME}
    if state == OTHER:
        return _(
            "--reset empties only a database that holds the report's demo data, and this one holds other data. "
            "Nothing was changed. Delete the file yourself if you no longer need what is in it."
        )
    return None


def _local_database_empty() -> None:
    """Delete every row but those the migrations made (the role groups, permissions, content types,
    the audit retention floor): the portal's, and the sessions, sign-in records and two-factor
    devices of the people it had. Only after reset_problem allowed it: a local SQLite file, where
    the audit trail takes deletes (bold_portal.db.audit_append_only)."""
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in KEPT_ON_RESET
    ]
    existing = set(connection.introspection.table_names())
    statements = connection.ops.sql_flush(
        no_style(), [table for table in tables if table in existing], reset_sequences=True
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _already_loaded(*, with_demo_accounts: bool) -> LoadResult:
    result = LoadResult(already_loaded=True)
    if not with_demo_accounts:
        return result
    emails = [data.email for data in report.DEMO_ACCOUNTS]
    if get_user_model().objects.filter(email__in=emails).count() != len(emails):
        raise DemoDataError(
            _(
                "The report's demo data is already loaded, but without the demo sign-ins, which are only added "
                "with the rest of the demo data. Nothing was changed. For the local database that make run uses, "
                "run `manage.py load_bold_report --reset` to load it again with them."
            )
        )
    result.sign_ins = [(data.role, data.email) for data in report.DEMO_ACCOUNTS]
    return result


# --- loading ------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, *, with_demo_accounts: bool):
        self.with_demo_accounts = with_demo_accounts
        self.result = LoadResult()

    def run(self) -> LoadResult:
        audiences = self._audiences()
        organisations = self._organisations(audiences)
        principles = self._principles()
        versions = self._use_cases(audiences)
        self._data_parties()
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
                _("Could not load the %(thing)s “%(key)s” (%(problems)s). Nothing was loaded.")
                % {"thing": thing, "key": key, "problems": problems}
            ) from error

    def _count(self, kind: str, count: int = 1) -> None:
        if count:
            self.result.created[kind] += count

    def _account(self, *, email: str, full_name: str, password: str | None, **options):
        with self._refusal(_("account"), email):
            user = account_create(email=email, full_name=full_name, password=password, actor=ACTOR, **options)
        self._count("account")
        return user

    def _membership(self, user, organisation: Organisation, role: str) -> Membership:
        with self._refusal(Membership._meta.verbose_name, f"{user.email} at {organisation.slug}"):
            membership = membership_create(user=user, organisation=organisation, role=role, actor=ACTOR)
        self._count("membership")
        return membership

    # --- the report's data --------------------------------------------------------------------

    def _audiences(self) -> dict[str, Audience]:
        audiences = {}
        for data in report.AUDIENCES:
            with self._refusal(Audience._meta.verbose_name, data.slug):
                audience = audience_create(
                    name=data.name, description=data.description, colour=data.colour, actor=ACTOR
                )
            self._count("audience")
            audiences[audience.slug] = audience
        return audiences

    def _organisations(self, audiences) -> dict[str, Organisation]:
        organisations = {}
        for data in report.ORGANISATIONS:
            with self._refusal(Organisation._meta.verbose_name, data.slug):
                organisation = organisation_create(name=data.name, audiences=[audiences[data.audience]], actor=ACTOR)
            self._count("organisation")
            self._count("organisation audience")
            organisations[organisation.slug] = organisation
        return organisations

    def _principles(self) -> list[Principle]:
        principles = []
        for data in report.PRINCIPLES:
            with self._refusal(Principle._meta.verbose_name, data.slug):
                principle = principle_create(
                    name=data.name,
                    slug=data.slug,
                    question=data.question,
                    guidance=data.guidance,
                    reads_sections=data.reads_sections,
                    actor=ACTOR,
                )
            self._count("principle")
            principles.append(principle)
        return principles

    def _use_cases(self, audiences) -> dict[str, UseCaseVersion]:
        """Each use case with its version 1, by use-case slug."""
        versions = {}
        orders = Counter()
        for data in report.USE_CASES:
            orders[data.audience] += 1
            with self._refusal(UseCase._meta.verbose_name, data.slug):
                use_case = use_case_create(
                    audience=audiences[data.audience],
                    slug=data.slug,
                    display_order=orders[data.audience],
                    is_illustrative=True,
                    title=data.title,
                    impact_statement=data.impact_statement,
                    research_questions=data.research_questions,
                    data_flows=data.data_flows,
                    will_do=data.will_do,
                    wont_do=data.wont_do,
                    created_at=report.VERSIONS_CREATED_AT,
                    actor=ACTOR,
                )
            self._count("use case")
            self._count("version")
            versions[data.slug] = use_case.versions.get(number=1)
        return versions

    def _data_parties(self) -> None:
        for data in report.DATA_PARTIES:
            with self._refusal(DataParty._meta.verbose_name, data.name):
                data_party_add(name=data.name, kind=data.kind, organisation=None, actor=ACTOR)
            self._count("data party")

    def _round(self, *, slug: str, name: str, principles, versions, **fields) -> ReviewRound:
        """A round in draft with its principles, then its use case versions chosen as on the round's
        page (which queues its matrix: every cell starts as "not enough reviews")."""
        with self._refusal(ReviewRound._meta.verbose_name, slug):
            review_round = round_create(name=name, slug=slug, principles=principles, actor=ACTOR, **fields)
            round_versions_change(
                review_round=review_round, add=[version.pk for version in versions], remove=[], actor=ACTOR
            )
        self._count("round")
        self._count("round principle", len(principles))
        self._count("round version", len(versions))
        self.result.matrices.add(slug)
        return review_round

    def _assignment(self, key: str, **kwargs) -> None:
        with self._refusal(_("assignment"), key):
            assignment_create(actor=ACTOR, **kwargs)
        self._count("assignment")

    def _fieldwork_round(self, organisations, principles, versions) -> ReviewRound:
        """Recorded after the fact, as the import records verdicts gathered offline: the round is
        created, its reviews recorded as they were given, then it is closed when the report says."""
        data = report.FIELDWORK_ROUND
        review_round = self._round(
            slug=data.slug,
            name=data.name,
            principles=principles,
            versions=list(versions.values()),
            threshold=Decimal(data.threshold),
            min_reviews=data.min_reviews,
            opens_on=data.opens_on,
            closes_on=data.closes_on,
        )
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
        with self._refusal(_("fieldwork reviews of"), data.slug):
            reviews_record(review_round=review_round, reviews=records, actor=ACTOR)
            review_round = round_set_status(
                review_round=review_round,
                status=ReviewRound.Status.CLOSED,
                closed_at=report.FIELDWORK_CLOSED_AT,
                actor=ACTOR,
            )
        self._count("review", len(records))
        self._count("verdict", sum(len(record.verdicts) for record in records))
        return review_round

    # --- local demo -----------------------------------------------------------------------------

    def _demo_accounts(self, audiences, organisations):
        """One sign-in per role; returns the demo reviewer."""
        users = {}
        for data in report.DEMO_ACCOUNTS:
            user = self._account(
                email=data.email,
                full_name=data.full_name,
                password=report.DEMO_PASSWORD,
                superuser=data.role == report.ADMIN,
            )
            if role := STAFF_ROLES.get(data.role):
                account_staff_roles_set(user=user, roles=[role], actor=ACTOR)
                self._count("group member")
            users[data.role] = user
            self.result.sign_ins.append((data.role, data.email))
        organisation = organisations[report.DEMO_ORGANISATION]
        self._membership(users[report.REVIEWER], organisation, Membership.Role.REVIEWER)
        self._membership(users[report.LEAD], organisation, Membership.Role.LEAD)
        with self._refusal(_("audience authors of"), report.DEMO_AUTHOR_AUDIENCE):
            audience_authors_add(
                audience=audiences[report.DEMO_AUTHOR_AUDIENCE], users=[users[report.AUTHOR]], actor=ACTOR
            )
        self._count("audience author")
        return users[report.REVIEWER]

    def _demo_round(self, organisations, principles, versions, demo_reviewer) -> ReviewRound:
        """Open for the reviewer journey. Without the demo sign-ins it holds only the use case given
        to the organisation: a round opens only when each of its use cases is given to someone."""
        data = report.DEMO_ROUND
        opens_on = timezone.localdate() - datetime.timedelta(days=data.opened_days_before_load)
        assignments = [a for a in data.assignments if demo_reviewer is not None or not a.to_demo_reviewer]
        review_round = self._round(
            slug=data.slug,
            name=data.name,
            principles=principles,
            versions=[versions[a.use_case] for a in assignments],
            opens_on=opens_on,
            closes_on=opens_on + datetime.timedelta(days=data.open_for_days),
        )
        for assignment in assignments:
            assignee = (
                {"reviewer": demo_reviewer}
                if assignment.to_demo_reviewer
                else {"organisation": organisations[data.organisation]}
            )
            self._assignment(
                assignment.use_case,
                review_round=review_round,
                version=versions[assignment.use_case],
                due_on=opens_on + datetime.timedelta(days=assignment.due_after_days),
                **assignee,
            )
        with self._refusal(ReviewRound._meta.verbose_name, data.slug):
            # The demo's people learn of it from the printed sign-ins, not from an email.
            return round_open(review_round=review_round, actor=ACTOR, email_people=False, open_anyway=True)
