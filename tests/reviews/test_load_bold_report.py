import datetime
from collections import Counter
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audiences.models import Audience, Membership, Organisation
from bold_portal import roles
from bold_portal.celery import app as celery_app
from bold_portal.models import AuditEvent
from matrix.models import Matrix, MatrixCell
from matrix.selectors.cells import matrix_state
from matrix.selectors.exports import matrix_document
from principles.models import Principle
from reviews.demo import loader
from reviews.demo.bold_report import DEMO_PASSWORD, FIELDWORK_CLOSED_AT
from reviews.models import Assignment, Review, ReviewRound, Verdict
from reviews.services.reviews import verdict_problem
from tests.factories import make_round
from usecases.models import DataParty, UseCase, UseCaseVersion
from usecases.parties import unknown_parties

# The demo loader's own tests: most load the whole report, about a third of a CPU-second each. The
# report's table is also checked in the everyday loop, on the matrix page (tests/matrix/test_analyst_pages.py).
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

Y, N = "tick", "cross"
PRINCIPLES = ("relevant", "impactful", "clear", "non-stigmatising")

# The report's table of how each use case fared in fieldwork, written out by hand.
REPORT_TABLE = {
    "treatment-on-probation": (Y, N, Y, N),
    "substance-use-after-prison": (Y, Y, Y, N),
    "multiple-conditions": (N, Y, N, N),
    "rough-sleeping-substance-use": (Y, N, Y, N),
    "homelessness-and-prison": (Y, Y, N, N),
    "repeat-homelessness": (Y, Y, Y, Y),
    "risk-of-reoffending": (Y, N, Y, Y),
    "employment-after-prison": (Y, Y, Y, Y),
    "children-of-imprisoned-parents": (Y, Y, Y, N),
    "engagement-with-cjs": (N, N, N, Y),
    "engagement-with-support-services": (Y, N, N, Y),
    "accessing-support": (Y, Y, N, Y),
}

USE_CASES = {
    "reducing-reoffending": ["risk-of-reoffending", "employment-after-prison", "children-of-imprisoned-parents"],
    "substance-misuse": ["treatment-on-probation", "substance-use-after-prison", "multiple-conditions"],
    "homelessness": ["rough-sleeping-substance-use", "homelessness-and-prison", "repeat-homelessness"],
    "victims": ["engagement-with-cjs", "engagement-with-support-services", "accessing-support"],
}

ORGANISATIONS = {
    "nacro": ("Nacro", "reducing-reoffending"),
    "unlock": ("Unlock", "reducing-reoffending"),
    "change-grow-live": ("Change Grow Live", "substance-misuse"),
    "aspire-drug-alcohol-services": ("Aspire Drug & Alcohol Services", "substance-misuse"),
    "the-well-communities": ("The Well Communities", "substance-misuse"),
    "build-on-belief": ("Build on Belief", "substance-misuse"),
    "crisis": ("Crisis", "homelessness"),
    "st-basils": ("St Basils", "homelessness"),
    "centrepoint": ("Centrepoint", "homelessness"),
    "thames-reach": ("Thames Reach", "homelessness"),
    "the-survivors-trust": ("The Survivors Trust", "victims"),
    "new-pathways": ("New Pathways", "victims"),
    "welsh-government": ("Welsh Government", "victims"),
    "bawso": ("BAWSO", "victims"),
    "male-survivors-partnership": ("Male Survivors Partnership", "victims"),
}

DEMO_EMAILS = {
    "reviewer": "reviewer@demo.bold.example",
    "lead": "lead@demo.bold.example",
    "author": "author@demo.bold.example",
    "analyst": "analyst@demo.bold.example",
    "admin": "admin@demo.bold.example",
}

NOTHING_TO_CHANGE = "Nothing to change: the report's demo data is already loaded."


def load(*args) -> str:
    out = StringIO()
    call_command("load_bold_report", *args, stdout=out)
    return out.getvalue()


def database_state() -> dict:
    """Every row of every table, to show that a run changed nothing."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in apps.get_models()}


def load_and_commit(*args) -> str:
    """Load, then run what waits for the commit (the matrix recompute, in-process)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return load(*args)


@pytest.fixture(scope="module")
def fieldwork_matrix(django_db_setup, django_db_blocker):
    """The fieldwork round's matrix as stored by the recompute that follows one load, read back
    as rows (matrix.selectors); computed once for the whole module."""
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock(), transaction.atomic():
        load_and_commit()
        data = matrix_document(ReviewRound.objects.get(slug="fieldwork-2023"))
        transaction.set_rollback(True)
    return data


@pytest.mark.parametrize(
    ("use_case", "principle", "expected"),
    [
        (use_case, principle, outcome)
        for use_case, outcomes in REPORT_TABLE.items()
        for principle, outcome in zip(PRINCIPLES, outcomes, strict=True)
    ],
)
def test_fieldwork_matrix_reproduces_the_report_table(fieldwork_matrix, use_case, principle, expected):
    rows = {row["use_case"]: row for row in fieldwork_matrix["rows"]}
    assert rows[use_case]["cells"][principle]["outcome"] == expected


def test_fieldwork_matrix_has_every_use_case_in_audience_order(fieldwork_matrix):
    assert fieldwork_matrix["principles"] == list(PRINCIPLES)
    assert [row["use_case"] for row in fieldwork_matrix["rows"]] == [s for slugs in USE_CASES.values() for s in slugs]
    assert all(
        sum(cell[k] for k in ("meets", "does_not_meet", "not_sure")) == 3
        for row in fieldwork_matrix["rows"]
        for cell in row["cells"].values()
    )


def test_fieldwork_verdict_mixes_vary(fieldwork_matrix):
    mixes = {
        (cell["meets"], cell["does_not_meet"], cell["not_sure"])
        for row in fieldwork_matrix["rows"]
        for cell in row["cells"].values()
    }
    assert {(3, 0, 0), (2, 1, 0), (2, 0, 1), (1, 2, 0), (0, 3, 0), (0, 2, 1)} <= mixes


def test_first_run_reports_what_it_created():
    output = load()
    lines = output.splitlines()
    assert lines[0] == "Loaded the report's demo data:"
    for line in (
        "Created 4 audiences.",
        "Created 15 organisations.",
        "Created 4 principles.",
        "Created 12 illustrative use cases.",
        "Created 12 use case versions.",
        "Created 11 data parties.",
        "Created 2 review rounds.",
        "Created 36 submitted reviews.",
        "Created 144 verdicts.",
        "The matrices of rounds fieldwork-2023, winter-2026 are being brought up to date.",
    ):
        assert line in lines


def test_every_write_goes_through_a_service_with_its_audit_row():
    load("--demo-accounts")
    actions = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert actions["audience_created"] == 4
    assert actions["organisation_created"] == 15
    assert actions["principle_created"] == 4
    assert actions["use_case_created"] == 12
    assert actions["use_case_version_created"] == 12
    assert actions["data_party_added"] == 11
    assert actions["account_created"] == 12 + 5
    assert actions["round_created"] == 2
    assert (actions["round_opened"], actions["round_closed"]) == (1, 1)
    assert actions["assignment_made"] == 36 + 3
    # The 36 fieldwork reviews are recorded in bulk, with one audit row.
    assert actions["reviews_recorded"] == 1
    assert "bold_report_loaded" not in actions
    # The fieldwork round closed when the report says, not when the demo data was loaded.
    assert ReviewRound.objects.get(slug="fieldwork-2023").closed_at == FIELDWORK_CLOSED_AT


def test_audiences():
    load()
    audiences = list(Audience.objects.order_by("display_order"))
    assert [(a.slug, a.name) for a in audiences] == [
        ("reducing-reoffending", "Reducing Reoffending"),
        ("substance-misuse", "Substance Misuse"),
        ("homelessness", "Homelessness"),
        ("victims", "Victims"),
    ]
    for audience, who in zip(
        audiences,
        [
            "prison leavers",
            "people who use drugs or alcohol",
            "people experiencing homelessness",
            "victims and survivors",
        ],
        strict=True,
    ):
        assert who in audience.description
    assert len({a.colour.lower() for a in audiences}) == 4


def contrast_with_white(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_audience_colours_are_accessible_against_white():
    load()
    assert all(contrast_with_white(a.colour) >= 4.5 for a in Audience.objects.all())


def test_organisations_and_their_audiences():
    load()
    loaded = {
        o.slug: (o.name, [a.slug for a in o.audiences.all()])
        for o in Organisation.objects.prefetch_related("audiences")
    }
    assert loaded == {slug: (name, [audience]) for slug, (name, audience) in ORGANISATIONS.items()}


def test_principles():
    load()
    principles = list(Principle.objects.order_by("order"))
    assert [(p.slug, p.name) for p in principles] == [
        ("relevant", "Relevant"),
        ("impactful", "Impactful"),
        ("clear", "Clear and informative"),
        ("non-stigmatising", "Non-stigmatising"),
    ]
    # The report's own definitions lead each principle's guidance.
    for principle, definition in zip(
        principles,
        [
            "scenarios that are recognisable and relevant",
            "clearly explain the positive impacts",
            "explicit in how BOLD will and won't use personal data",
            "avoid any suggestion that BOLD may link negative factors together",
        ],
        strict=True,
    ):
        assert principle.question.endswith("?")
        assert definition in principle.guidance
        assert "What works" in principle.guidance
        assert "Causes for concern" in principle.guidance


def test_use_cases_with_version_one():
    load()
    for audience, slugs in USE_CASES.items():
        use_cases = UseCase.objects.filter(audience__slug=audience).order_by("display_order")
        assert [uc.slug for uc in use_cases] == slugs
        for use_case in use_cases:
            assert use_case.is_illustrative
            version = use_case.versions.get()
            assert version.number == 1
            version.full_clean()
            assert version.title and version.impact_statement
            assert len(version.research_question_list) >= 2
            assert version.will_do_list and version.wont_do_list
            assert version.data_flows and all(flow["to"] for flow in version.data_flows)
    assert UseCase.objects.count() == 12


def test_drafts_carry_the_weaknesses_the_reviewers_name():
    load()
    titles = dict(UseCaseVersion.objects.values_list("use_case__slug", "title"))
    assert titles["treatment-on-probation"] == "Treatment for those on probation"
    reasons = set(
        Verdict.objects.filter(review__version__use_case__slug="treatment-on-probation").values_list(
            "reason", flat=True
        )
    )
    assert "Implies that people who use drugs have offended, and that drug use causes offending." in reasons
    # The clear-cross drafts leave the receiver of the data vague; the clear-tick ones name it.
    receivers = {
        slug: {flow["to"] for flow in flows}
        for slug, flows in UseCaseVersion.objects.values_list("use_case__slug", "data_flows")
    }
    assert receivers["homelessness-and-prison"] == {"Relevant agencies", "Partners"}
    assert receivers["repeat-homelessness"] == {"BOLD analysts, in a secure research environment"}


def test_fieldwork_round_and_its_reviews():
    load_and_commit()
    review_round = ReviewRound.objects.get(slug="fieldwork-2023")
    assert review_round.name == "Fieldwork 2023 (from the report)"
    assert review_round.status == ReviewRound.Status.CLOSED
    assert (float(review_round.threshold), review_round.min_reviews) == (0.5, 2)
    assert review_round.versions.count() == 12
    assert list(review_round.principles.order_by("order").values_list("slug", flat=True)) == list(PRINCIPLES)

    reviews = Review.objects.filter(round=review_round).select_related("reviewer", "organisation", "version__use_case")
    assert reviews.count() == 36
    reviewers = set()
    for review in reviews:
        assert review.status == Review.Status.SUBMITTED
        assert review_round.opens_on <= review.submitted_at.date() <= review_round.closes_on
        # Each reviewer reviews for one of the organisations of the use case's audience.
        assert review.organisation.audiences.filter(pk=review.version.use_case.audience_id).exists()
        assert Membership.objects.filter(user=review.reviewer, organisation=review.organisation).exists()
        assert not review.reviewer.has_usable_password()
        assert not review.reviewer.is_active  # 2023 participants: nobody expects new reviews from them
        reviewers.add(review.reviewer_id)
    assert len(reviewers) == 12

    verdicts = Verdict.objects.filter(review__round=review_round)
    assert verdicts.count() == 144
    assert all(verdict_problem(verdict=v.verdict, reason=v.reason) is None for v in verdicts)
    assert verdicts.filter(verdict=Verdict.Choice.NOT_SURE).exists()
    # The matrix is computed after the load commits, by the task the services queue.
    cells = MatrixCell.objects.filter(round=review_round)
    assert cells.count() == 48
    assert sum(cell.meets + cell.does_not_meet + cell.not_sure for cell in cells) == 144
    state = matrix_state(review_round)
    assert state.computed_at is not None and not state.is_updating


def test_the_loader_computes_no_matrix_itself():
    """The load queues the recomputes for after its commit; until then no matrix row exists."""
    load()
    assert not Matrix.objects.exists()
    assert not MatrixCell.objects.exists()


SIGN_INS = [
    f"Demo sign-ins, for local use only. Every one has the password {DEMO_PASSWORD}",
    "  Reviewer: reviewer@demo.bold.example",
    "  Organisation lead: lead@demo.bold.example",
    "  Author: author@demo.bold.example",
    "  Analyst: analyst@demo.bold.example",
    "  Programme admin: admin@demo.bold.example",
]


def test_second_run_changes_no_row_and_says_so(settings, django_capture_on_commit_callbacks):
    """As make run does on a fresh clone and then on a clone already run once (DEBUG on, no flag):
    both runs end with the sign-ins; the second changes nothing at all."""
    settings.DEBUG = True
    first = load_and_commit()
    assert MatrixCell.objects.exists()
    before = database_state()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
        second = load()
    assert database_state() == before
    assert callbacks == []  # no matrix recompute queued either
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert second.splitlines() == [NOTHING_TO_CHANGE, *SIGN_INS]
    assert first.splitlines()[-len(SIGN_INS) :] == SIGN_INS


def test_a_later_run_keeps_what_was_changed_since():
    """The demo data is loaded once: what people changed since through the pages stays as it is."""
    load_and_commit()
    Audience.objects.filter(slug="victims").update(colour="#000000")
    Review.objects.filter(round__slug="fieldwork-2023", version__use_case__slug="repeat-homelessness").first().delete()
    audit_rows = AuditEvent.objects.count()

    assert load().splitlines() == [NOTHING_TO_CHANGE]

    assert Audience.objects.get(slug="victims").colour == "#000000"
    assert Review.objects.filter(round__slug="fieldwork-2023").count() == 35
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize(
    "other_data",
    [
        lambda: Audience.objects.create(name="Homelessness", slug="homeless"),
        lambda: get_user_model().objects.create_user(email="someone@example.org", password=None),
    ],
    ids=["an-audience", "an-account"],
)
def test_a_database_with_other_data_is_refused_and_left_as_it_is(other_data):
    other_data()
    before = database_state()

    with pytest.raises(CommandError) as error:
        load("--demo-accounts")

    message = str(error.value)
    assert "already holds data that is not the report's demo data, so nothing was loaded" in message
    assert "load_bold_report --reset" in message
    assert database_state() == before


def test_a_database_missing_part_of_the_demo_data_is_refused():
    load()
    ReviewRound.objects.filter(slug="winter-2026").update(slug="winter-2026-renamed")

    with pytest.raises(CommandError, match="not the report's demo data"):
        load()


def test_a_refusal_by_a_service_names_the_row_and_changes_nothing(monkeypatch):
    monkeypatch.setattr(loader.report, "DEMO_PASSWORD", "password")

    with pytest.raises(CommandError) as error:
        load("--demo-accounts")

    message = str(error.value)
    assert "Could not load the account “reviewer@demo.bold.example” (password: " in message
    assert "Nothing was loaded." in message
    assert not Audience.objects.exists()
    assert not get_user_model().objects.exists()


def test_demo_data_loaded_without_the_sign_ins_is_refused_when_they_are_asked_for():
    load()
    before = database_state()

    with pytest.raises(CommandError) as error:
        load("--demo-accounts")

    assert "already loaded, but without the demo sign-ins" in str(error.value)
    assert "--reset" in str(error.value)
    assert database_state() == before


# --- --reset ------------------------------------------------------------------------------------


@pytest.fixture
def local_database(monkeypatch, settings):
    """The test database taken for the local SQLite file of make run, with DEBUG on."""
    if connection.vendor != "sqlite":
        pytest.skip("--reset empties only a local SQLite database")
    settings.DEBUG = True
    monkeypatch.setattr(loader, "is_local_database", lambda: True)


def test_reset_empties_the_local_demo_database_and_loads_it_again(local_database):
    load_and_commit()
    Audience.objects.filter(slug="victims").update(colour="#000000")
    make_round(slug="tried-out")

    lines = load_and_commit("--reset").splitlines()

    assert lines[:2] == [
        "Emptied the local database db.sqlite3: everything in it was deleted.",
        "Loaded the report's demo data:",
    ]
    assert lines[-len(SIGN_INS) :] == SIGN_INS
    assert Audience.objects.get(slug="victims").colour == "#4c2c92"
    assert not ReviewRound.objects.filter(slug="tried-out").exists()
    assert sorted(Audience.objects.values_list("pk", flat=True)) == [1, 2, 3, 4]  # numbered afresh
    assert Counter(AuditEvent.objects.values_list("action", flat=True))["round_created"] == 2
    assert MatrixCell.objects.filter(round__slug="fieldwork-2023").count() == 48
    # The role groups the migrations made are kept.
    assert set(roles.GROUPS) <= set(Group.objects.values_list("name", flat=True))
    assert load().splitlines() == [NOTHING_TO_CHANGE, *SIGN_INS]


def test_reset_loads_an_empty_local_database(local_database):
    assert load("--reset").splitlines()[1] == "Loaded the report's demo data:"


def test_reset_refuses_a_local_database_with_other_data(local_database):
    make_round(slug="someone-elses")
    before = database_state()

    with pytest.raises(CommandError, match="holds other data"):
        load("--reset")
    assert database_state() == before


def test_reset_refuses_when_debug_is_off(local_database, settings):
    settings.DEBUG = False
    load()
    before = database_state()

    with pytest.raises(CommandError, match="DEBUG is off"):
        load("--reset")
    assert database_state() == before


def test_reset_refuses_any_database_but_the_local_file(settings):
    settings.DEBUG = True
    load()
    before = database_state()

    with pytest.raises(CommandError, match=r"only the local SQLite database that make run uses \(db.sqlite3"):
        load("--reset")
    assert database_state() == before


def test_the_local_database_is_the_sqlite_file_beside_manage_py(monkeypatch, settings, tmp_path):
    assert not loader.is_local_database()  # the test database
    if connection.vendor != "sqlite":
        return
    settings.BASE_DIR = tmp_path
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "db.sqlite3"))
    assert loader.is_local_database()
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "elsewhere.sqlite3"))
    assert not loader.is_local_database()


def test_a_clash_with_a_concurrent_change_fails_clearly_and_changes_nothing(monkeypatch):
    def clash(self, *args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Organisation, "save", clash)

    with pytest.raises(CommandError, match=r"nothing was loaded\. Run it again\."):
        load()
    assert not Audience.objects.exists()
    assert not Organisation.objects.exists()


def test_no_demo_accounts_without_the_flag_or_debug(settings):
    settings.DEBUG = False
    output = load()
    assert not get_user_model().objects.filter(email__endswith="@demo.bold.example").exists()
    assert "Demo sign-ins" not in output
    assert DEMO_PASSWORD not in output
    # The open round still has its organisation assignment, but nothing for a demo reviewer.
    assert list(Assignment.objects.filter(round__slug="winter-2026").values_list("organisation__slug", flat=True)) == [
        "crisis"
    ]


@pytest.mark.parametrize(("flag", "debug"), [(True, False), (False, True)])
def test_demo_accounts_with_the_flag_or_debug(settings, flag, debug):
    settings.DEBUG = debug
    output = load(*(["--demo-accounts"] if flag else []))

    users = {role: get_user_model().objects.get(email=email) for role, email in DEMO_EMAILS.items()}
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())
    assert roles.is_reviewer(users["reviewer"]) and not roles.is_organisation_lead(users["reviewer"])
    assert users["reviewer"].memberships.get().organisation.slug == "crisis"
    assert roles.is_organisation_lead(users["lead"])
    assert users["lead"].memberships.get().organisation.slug == "crisis"
    assert roles.is_author(users["author"])
    assert list(users["author"].authored_audiences.values_list("slug", flat=True)) == ["homelessness"]
    assert roles.is_analyst(users["analyst"]) and not roles.is_admin(users["analyst"])
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert users["admin"].groups.filter(name=roles.ADMINS).exists()

    lines = output.splitlines()
    start = lines.index(f"Demo sign-ins, for local use only. Every one has the password {DEMO_PASSWORD}")
    assert lines[start + 1 :] == [
        "  Reviewer: reviewer@demo.bold.example",
        "  Organisation lead: lead@demo.bold.example",
        "  Author: author@demo.bold.example",
        "  Analyst: analyst@demo.bold.example",
        "  Programme admin: admin@demo.bold.example",
    ]


def test_demo_password_passes_the_portal_validators():
    assert len(DEMO_PASSWORD) >= 12
    for email in DEMO_EMAILS.values():
        validate_password(DEMO_PASSWORD, get_user_model()(email=email))


def test_open_demo_round_for_the_reviewer_journey():
    load("--demo-accounts")
    today = timezone.localdate()
    review_round = ReviewRound.objects.get(slug="winter-2026")
    assert review_round.name == "Winter 2026 review"
    assert review_round.status == ReviewRound.Status.OPEN
    assert review_round.principles.count() == 4
    assert review_round.opens_on < today < review_round.closes_on

    reviewer = get_user_model().objects.get(email=DEMO_EMAILS["reviewer"])
    assignments = Assignment.objects.filter(round=review_round)
    to_reviewer = assignments.filter(reviewer=reviewer)
    assert to_reviewer.count() == 2
    assert to_reviewer.filter(due_on__lt=today).count() == 1  # one overdue
    assert assignments.filter(organisation__slug="crisis", due_on__gt=today).count() == 1
    assert assignments.filter(due_on__gt=today).count() == 2
    assert set(assignments.values_list("version_id", flat=True)) == set(
        review_round.versions.values_list("pk", flat=True)
    )
    assert not Review.objects.filter(reviewer__email__endswith="@demo.bold.example").exists()
    # Due dates count from the round's opening date.
    due = sorted(assignments.values_list("due_on", flat=True))
    assert due == [review_round.opens_on + datetime.timedelta(days=d) for d in (18, 35, 42)]


def test_data_parties_are_the_bodies_named_and_none_is_an_organisation_of_the_portal():
    load()
    parties = {party.name: party for party in DataParty.objects.all()}
    assert len(parties) == 11
    assert {"Ministry of Justice", "HM Prison and Probation Service", "Department for Work and Pensions"} <= set(
        parties
    )
    assert parties["Ministry of Justice"].kind == "public_body"
    assert parties["Street outreach teams"].kind == "service_provider"
    assert not any(party.organisation_id for party in parties.values()), "no data goes to or from a charity"
    # The versions' vague names are not in the list: a new version asks for a party from it.
    homelessness_and_prison = UseCase.objects.get(slug="homelessness-and-prison").versions.get()
    assert unknown_parties(homelessness_and_prison.data_flows) == [
        "Councils",
        "Partners",
        "Prisons",
        "Relevant agencies",
    ]
    employment = UseCase.objects.get(slug="employment-after-prison").versions.get()
    assert "HM Prison and Probation Service" not in unknown_parties(employment.data_flows)
    assert "BOLD analysts, in a secure research environment" not in unknown_parties(employment.data_flows)
