"""The benchmark's synthetic data: audiences, use cases, principles, reviewers and one round per
size, every version reviewed by every reviewer, written by INSERT ... SELECT in the database; and
its deletion afterwards (docs/performance.md)."""

import secrets
from dataclasses import dataclass, field

from axes.models import AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audiences.models import Audience, Membership, Organisation
from bold_portal.models import AuditEvent
from bold_portal.roles import ADMINS, ANALYSTS
from matrix.models import Matrix, MatrixAgreement, MatrixCell, MatrixRow
from matrix.services.recompute import matrix_recompute
from principles.models import Principle
from reviews.models import (
    Assignment,
    ClosedRoundFigure,
    GroupProgressCount,
    ProgressHeader,
    Review,
    ReviewerItem,
    ReviewRound,
    RoundProgressCount,
    RoundVersion,
    Verdict,
    VersionProgressCount,
    VersionProgressOrder,
)
from reviews.services.progress_counts import progress_counts_refresh
from usecases.models import UseCase, UseCaseVersion

# Bandit's B608 (SQL built from strings) is silenced by a nosec comment where a statement below ends:
# only table names from the models and this module's own SQL fragments are formatted into the SQL;
# every value is a query parameter.

AUDIENCES = 4


@dataclass
class BenchRound:
    """A synthetic round, and the version whose reviewer's page and recompute are measured."""

    round: ReviewRound
    size: int
    version: UseCaseVersion
    flip_verdict_id: int
    url: str
    # The round's own reviewers (all rounds share them but in the pages part, where each round has
    # its own organisation of reviewers and its lead, so that a person's pages show one round).
    reviewer_ids: list[int] = field(default_factory=list)
    organisation_slug: str = ""
    lead_id: int | None = None


@dataclass
class SyntheticData:
    """The rows one run makes, by id, so that clean_up deletes exactly those."""

    connection: object
    token: str = field(default_factory=lambda: f"bench-{secrets.token_hex(4)}")
    round_ids: list[int] = field(default_factory=list)
    version_ids: list[int] = field(default_factory=list)
    use_case_ids: list[int] = field(default_factory=list)
    audience_ids: list[int] = field(default_factory=list)
    principle_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    organisation_ids: list[int] = field(default_factory=list)
    pair_round_slug: str = ""
    # The pages part's analyst and programme admin (who sign in past the two-factor step).
    analyst_id: int | None = None
    admin_id: int | None = None
    # Accounts with audit rows, which are never deleted (the audit trail is append-only).
    kept_user_ids: list[int] = field(default_factory=list)

    @property
    def is_postgres(self) -> bool:
        return self.connection.vendor == "postgresql"

    def build(self, opts) -> dict[int, BenchRound]:
        """The versions (shared by every round, as later rounds review the same use cases), the
        reviewers, then one round per size: every version assigned to and reviewed by every
        reviewer, and its matrix computed. Reviews, assignments and verdicts are written by
        INSERT ... SELECT in the database."""
        measured = [size for size in [opts["baseline"], *opts["sizes"]] if size is not None]
        largest = max(opts["other_size"], *measured)
        now = timezone.now()
        with transaction.atomic():
            audiences = Audience.objects.bulk_create(
                Audience(name=f"{self.token} audience {i}", slug=f"{self.token}-{i}", display_order=i)
                for i in range(AUDIENCES)
            )
            self.audience_ids = [a.pk for a in audiences]
            use_cases = UseCase.objects.bulk_create(
                (
                    UseCase(audience=audiences[i % AUDIENCES], slug=f"{self.token}-{i}", display_order=i % 30_000)
                    for i in range(largest)
                ),
                batch_size=2000,
            )
            self.use_case_ids = [u.pk for u in use_cases]
            versions = UseCaseVersion.objects.bulk_create(
                (
                    UseCaseVersion(
                        use_case=use_case,
                        number=1,
                        title=f"Synthetic use case {i}",
                        impact_statement="Synthetic.",
                        research_questions="Synthetic?",
                        data_flows=[{"information": "Synthetic", "from": "A", "to": "B"}],
                        will_do="Synthetic",
                        wont_do="Synthetic",
                    )
                    for i, use_case in enumerate(use_cases)
                ),
                batch_size=2000,
            )
            self.version_ids = [v.pk for v in versions]
            principles = Principle.objects.bulk_create(
                Principle(name=f"{self.token} {i}", slug=f"{self.token}-p{i}", order=i, question="Synthetic?")
                for i in range(opts["principles"])
            )
            self.principle_ids = [p.pk for p in principles]
            per_round = opts["part"] == "pages"
            shared = [] if per_round else self.people("shared", opts["reviews"])
            if per_round:
                self.analyst_id, self.admin_id = self.people("staff", 2)
                Group.objects.get(name=ANALYSTS).user_set.add(self.analyst_id)
                Group.objects.get(name=ADMINS).user_set.add(self.admin_id)

        rounds = {}
        if opts["other_size"]:
            people = self.organisation("other", opts["reviews"]) if per_round else (shared, "", None)
            self.build_round("other", versions[: opts["other_size"]], principles, now, people)
        for size in measured:
            if size not in rounds:
                people = self.organisation(str(size), opts["reviews"]) if per_round else (shared, "", None)
                rounds[size] = self.build_round(str(size), versions[:size], principles, now, people)
        if per_round and opts["baseline"]:
            # The pages part compares the baseline round with a second round of the same versions.
            people = self.organisation("pair", opts["reviews"])
            pair = self.build_round("pair", versions[: opts["baseline"]], principles, now, people)
            self.pair_round_slug = pair.round.slug
        self.analyze(vacuum=True)
        return rounds

    def people(self, name: str, count: int) -> list[int]:
        """count accounts that cannot sign in with a password, by id."""
        emails = [f"{self.token}-{name}-{i}@example.invalid" for i in range(count)]
        made = get_user_model().objects.bulk_create(
            get_user_model()(email=email, password=UNUSABLE_PASSWORD_PREFIX) for email in emails
        )
        self.emails += emails
        self.user_ids += [p.pk for p in made]
        return [p.pk for p in made]

    def organisation(self, name: str, reviewers: int) -> tuple[list[int], str, int]:
        """An organisation of its own for one round: its reviewers and a lead who reviews nothing."""
        with transaction.atomic():
            organisation = Organisation.objects.create(name=f"{self.token} {name}", slug=f"{self.token}-org-{name}")
            self.organisation_ids.append(organisation.pk)
            *reviewer_ids, lead_id = self.people(name, reviewers + 1)
            Membership.objects.bulk_create(
                [
                    *(Membership(user_id=pk, organisation=organisation) for pk in reviewer_ids),
                    Membership(user_id=lead_id, organisation=organisation, role=Membership.Role.LEAD),
                ]
            )
        return reviewer_ids, organisation.slug, lead_id

    def build_round(self, name: str, versions, principles, now, people) -> BenchRound:
        t = {
            "review": Review._meta.db_table,
            "verdict": Verdict._meta.db_table,
            "assignment": Assignment._meta.db_table,
            "round_version": RoundVersion._meta.db_table,
            "round_principle": ReviewRound.principles.through._meta.db_table,
            "user": get_user_model()._meta.db_table,
        }
        stamp = self.connection.ops.adapt_datetimefield_value(now)
        reviewer_ids, organisation_slug, lead_id = people
        users = ", ".join(str(pk) for pk in reviewer_ids)
        with transaction.atomic():
            review_round = ReviewRound.objects.create(
                name=f"{self.token} {name}", slug=f"{self.token}-{name}", status=ReviewRound.Status.OPEN
            )
            self.round_ids.append(review_round.pk)
            review_round.principles.set(principles)
            RoundVersion.objects.bulk_create(
                (RoundVersion(round=review_round, version=version) for version in versions), batch_size=5000
            )
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {t["assignment"]} (round_id, version_id, reviewer_id, created_at)
                    SELECT rv.round_id, rv.version_id, u.id, %s
                    FROM {t["round_version"]} rv CROSS JOIN {t["user"]} u
                    WHERE rv.round_id = %s AND u.id IN ({users})
                    """,  # nosec
                    [stamp, review_round.pk],
                )
                cursor.execute(
                    f"""
                    INSERT INTO {t["review"]} (round_id, version_id, reviewer_id, status, overall_comment,
                        lock_version, created_at, updated_at, submitted_at)
                    SELECT rv.round_id, rv.version_id, u.id, 'submitted', '', 1, %s, %s, %s
                    FROM {t["round_version"]} rv CROSS JOIN {t["user"]} u
                    WHERE rv.round_id = %s AND u.id IN ({users})
                    """,  # nosec
                    [stamp, stamp, stamp, review_round.pk],
                )
                # Roughly the report's mix: six in ten meet, three do not, one is not sure.
                cursor.execute(
                    f"""
                    INSERT INTO {t["verdict"]} (review_id, principle_id, verdict, reason, evidence,
                        suggested_rewording)
                    SELECT r.id, rp.principle_id,
                        CASE WHEN (r.id * 7 + rp.principle_id * 3) %% 10 < 6 THEN 'meets'
                             WHEN (r.id * 7 + rp.principle_id * 3) %% 10 < 9 THEN 'does_not_meet'
                             ELSE 'not_sure' END,
                        'A synthetic reason.', '', ''
                    FROM {t["review"]} r JOIN {t["round_principle"]} rp ON rp.reviewround_id = r.round_id
                    WHERE r.round_id = %s
                    """,  # nosec
                    [review_round.pk],
                )
        # Statistics first, as autovacuum would have them: planned on the empty tables' statistics,
        # the round's first recompute can take minutes (docs/performance.md, "Statistics").
        self.analyze(vacuum=False)
        matrix_recompute(round_id=review_round.pk)
        # The stored progress counts, as the refresh task makes them after a round's changes.
        progress_counts_refresh(round_id=review_round.pk)
        version = versions[len(versions) // 2]
        flip = Verdict.objects.filter(
            review__round=review_round, review__version=version, review__reviewer_id=reviewer_ids[0]
        ).values_list("pk", flat=True)[:1]
        return BenchRound(
            round=review_round,
            size=len(versions),
            version=version,
            flip_verdict_id=flip[0],
            url=reverse("matrix:version_summary", args=[review_round.slug, version.use_case.slug, version.number]),
            reviewer_ids=reviewer_ids,
            organisation_slug=organisation_slug,
            lead_id=lead_id,
        )

    def analyze(self, *, vacuum: bool):
        """Planner statistics, and with vacuum the visibility map, as autovacuum keeps them on a
        live database (VACUUM cannot run inside a transaction: then only ANALYZE)."""
        if not self.is_postgres:
            return
        command = "VACUUM (ANALYZE)" if vacuum and not self.connection.in_atomic_block else "ANALYZE"
        tables = [
            m._meta.db_table
            for m in (
                Review,
                Verdict,
                Assignment,
                RoundVersion,
                MatrixRow,
                MatrixCell,
                UseCaseVersion,
                UseCase,
                VersionProgressCount,
                VersionProgressOrder,
                GroupProgressCount,
                ReviewerItem,
            )
        ]
        with self.connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {table}")

    def verdicts_in_database(self) -> int:
        return Verdict.objects.count()

    def kept_audit_rows(self) -> int:
        return AuditEvent.objects.filter(actor_id__in=self.kept_user_ids).count()

    def clean_up(self):
        """Delete every row the benchmark made, children first, in one transaction."""
        rounds, versions = self.round_ids, self.version_ids
        with transaction.atomic(), self.connection.cursor() as cursor:

            def delete(model, column: str, ids: list[int]):
                table = model._meta.db_table
                for start in range(0, len(ids), 5000):
                    chunk = ids[start : start + 5000]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)  # nosec

            if rounds:
                marks = ", ".join(["%s"] * len(rounds))
                cursor.execute(
                    f"DELETE FROM {Verdict._meta.db_table} WHERE review_id IN "
                    f"(SELECT id FROM {Review._meta.db_table} WHERE round_id IN ({marks}))",  # nosec
                    rounds,
                )
                cursor.execute(
                    f"DELETE FROM {MatrixAgreement._meta.db_table} WHERE matrix_id IN "
                    f"(SELECT id FROM {Matrix._meta.db_table} WHERE round_id IN ({marks}))",  # nosec
                    rounds,
                )
            for model in (
                Review,
                Assignment,
                MatrixCell,
                MatrixRow,
                Matrix,
                RoundVersion,
                ClosedRoundFigure,
                VersionProgressCount,
                VersionProgressOrder,
                GroupProgressCount,
                RoundProgressCount,
                ReviewerItem,
                ProgressHeader,
            ):
                delete(model, "round_id", rounds)
            delete(ReviewRound.principles.through, "reviewround_id", rounds)
            delete(ReviewRound, "id", rounds)
            delete(UseCaseVersion, "id", versions)
            delete(UseCase, "id", self.use_case_ids)
            delete(Audience, "id", self.audience_ids)
            delete(Principle, "id", self.principle_ids)
            # An account kept for its audit rows keeps no role, membership or device.
            delete(Membership, "user_id", self.user_ids)
            delete(get_user_model().groups.through, "user_id", self.user_ids)
            TOTPDevice.objects.filter(user_id__in=self.user_ids).delete()
            people = [pk for pk in self.user_ids if pk not in self.kept_user_ids]
            delete(Organisation, "id", self.organisation_ids)
            if self.emails:
                AccessLog.objects.filter(username__in=self.emails).delete()
            delete(get_user_model(), "id", people)
