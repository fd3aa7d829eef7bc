"""The demo data, taken from the report "Improving lives through linked data: Views from groups
with complex needs" (BritainThinks for BOLD and the CDEI, March 2023).

Audiences, organisations, principles and the tick/cross table come from the report. The report
does not reproduce the use cases' own text, so the versions below are short illustrative drafts
built from what it says about each audience. Where the report's table has a cross, the draft
carries the weakness the report describes; where it has a tick, the draft is good on that
principle. The fieldwork reviews (three pseudonymous reviewers per audience) give verdicts whose
counts reproduce the table under the fieldwork round's rule.
"""

import datetime
from dataclasses import dataclass

from reviews.demo.report_use_cases_health import SUBSTANCE_USE_AND_HOMELESSNESS
from reviews.demo.report_use_cases_justice import PRISON_LEAVERS_AND_VICTIMS

# --- Audiences and organisations --------------------------------------------------------------


@dataclass(frozen=True)
class AudienceData:
    slug: str
    name: str
    description: str
    # Decoration only; each has at least 4.5:1 contrast with white.
    colour: str


AUDIENCES = (
    AudienceData(
        slug="reducing-reoffending",
        name="Reducing Reoffending",
        description="The pilot for prison leavers: people who have spent time in prison and are building "
        "a life outside it.",
        colour="#1d70b8",
    ),
    AudienceData(
        slug="substance-misuse",
        name="Substance Misuse",
        description="The pilot for people who use drugs or alcohol, and the treatment and support services they use.",
        colour="#00703c",
    ),
    AudienceData(
        slug="homelessness",
        name="Homelessness",
        description="The pilot for people experiencing homelessness, including rough sleeping and "
        "losing a home more than once.",
        colour="#b1410e",
    ),
    AudienceData(
        slug="victims",
        name="Victims",
        description="The pilot for victims and survivors of crime, and the justice and support services "
        "they deal with.",
        colour="#4c2c92",
    ),
)


@dataclass(frozen=True)
class OrganisationData:
    slug: str
    name: str
    audience: str


# The organisations that took part in the report's intermediary workshops.
ORGANISATIONS = (
    OrganisationData("nacro", "Nacro", "reducing-reoffending"),
    OrganisationData("unlock", "Unlock", "reducing-reoffending"),
    OrganisationData("change-grow-live", "Change Grow Live", "substance-misuse"),
    OrganisationData("aspire-drug-alcohol-services", "Aspire Drug & Alcohol Services", "substance-misuse"),
    OrganisationData("the-well-communities", "The Well Communities", "substance-misuse"),
    OrganisationData("build-on-belief", "Build on Belief", "substance-misuse"),
    OrganisationData("crisis", "Crisis", "homelessness"),
    OrganisationData("st-basils", "St Basils", "homelessness"),
    OrganisationData("centrepoint", "Centrepoint", "homelessness"),
    OrganisationData("thames-reach", "Thames Reach", "homelessness"),
    OrganisationData("the-survivors-trust", "The Survivors Trust", "victims"),
    OrganisationData("new-pathways", "New Pathways", "victims"),
    OrganisationData("welsh-government", "Welsh Government", "victims"),
    OrganisationData("bawso", "BAWSO", "victims"),
    OrganisationData("male-survivors-partnership", "Male Survivors Partnership", "victims"),
)


@dataclass(frozen=True)
class DataPartyData:
    name: str
    kind: str  # usecases.models.DataParty.Kind


# Who data goes from and to: the government bodies the report and the illustrative versions name,
# and the services whose records they draw on. The report has no data going to or from a charity,
# so no party is linked to an organisation in the portal (nobody's interest is declared by them).
# The versions' vaguer names ("Partners", "Relevant agencies") are left out on purpose: a new
# version of one asks for a party from the list before it is published.
DATA_PARTIES = (
    DataPartyData("BOLD analysts, in a secure research environment", "public_body"),
    DataPartyData("Ministry of Justice", "public_body"),
    DataPartyData("HM Prison and Probation Service", "public_body"),
    DataPartyData("Department for Work and Pensions", "public_body"),
    DataPartyData("HM Revenue and Customs", "public_body"),
    DataPartyData("Department for Education", "public_body"),
    DataPartyData("NHS England", "public_body"),
    DataPartyData("Police forces", "public_body"),
    DataPartyData("Local councils", "public_body"),
    DataPartyData("Drug and alcohol treatment services", "service_provider"),
    DataPartyData("Street outreach teams", "service_provider"),
)

# --- Principles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PrincipleData:
    slug: str
    name: str
    question: str
    # The report's definition, then what worked and what caused concern in its fieldwork.
    guidance: str
    # The use case's sections its question asks about (principles.sections; the same values as
    # principles/migrations/0003_reads_sections.py gives a database that already held them).
    reads_sections: tuple[str, ...] = ()


PRINCIPLES = (
    PrincipleData(
        slug="relevant",
        name="Relevant",
        question="Does the use case depict a situation that the people it is about would recognise as "
        "relevant to their lives?",
        guidance=(
            "Use cases should depict scenarios that are recognisable and relevant to the audience.\n"
            "What works: scenarios that are relevant and realistic; the examples people say they have "
            "experienced themselves get the most positive reactions, because people can imagine how BOLD "
            "would have improved their own situation.\n"
            "Causes for concern: simplified stories that leave out factors people know matter (for "
            "example mental health alongside substance use). Where it applies, show situations as complex "
            "and the result of several factors."
        ),
        reads_sections=("title", "impact_statement", "research_questions"),
    ),
    PrincipleData(
        slug="impactful",
        name="Impactful",
        question="Does the use case clearly explain the positive difference it could make for the people it is about?",
        guidance=(
            "Examples of BOLD outcomes should clearly explain the positive impacts they could have on the "
            "audience.\n"
            "What works: leading with the impact for the audience (the why, and a personal benefit where "
            "possible); outcomes that are achievable and realistic; spelling out how BOLD may improve the "
            "systems that are in place.\n"
            "Causes for concern: research that would only find out what people already know. Show how the "
            "learning will be applied to make outcomes better."
        ),
        reads_sections=("impact_statement", "will_do"),
    ),
    PrincipleData(
        slug="clear",
        name="Clear and informative",
        question="Is the use case explicit about which information goes from whom to whom, and how BOLD will "
        "and won't use personal data?",
        guidance=(
            "Use cases should be explicit in how BOLD will and won't use personal data, including "
            "clarifications about anonymisation where necessary and what BOLD is aiming to achieve.\n"
            "What works: saying explicitly which services or sectors share which categories of information "
            "with whom, in plain words without technical language about data linking; saying what BOLD will "
            "and won't do.\n"
            "Causes for concern: people quickly assume BOLD applies to their personal data. Explain and "
            "repeat that data is anonymised, who has access to it, and the safeguards in place."
        ),
        reads_sections=("data_flows", "will_do", "wont_do"),
    ),
    PrincipleData(
        slug="non-stigmatising",
        name="Non-stigmatising",
        question="Does the use case avoid any suggestion that links negative factors together or makes "
        "assumptions about the people it is about?",
        guidance=(
            "Care must be taken to avoid any suggestion that BOLD may link negative factors together and "
            "increase the stigmatisation that these groups experience regularly.\n"
            "What works: setting out explicitly that BOLD will not presuppose people's behaviours and aims "
            "to improve outcomes; non-stigmatising words ('prison leavers', not 'ex-offenders'); no blame on "
            "people or on the organisations that support them.\n"
            "Causes for concern: assuming overlapping experiences (for example that people who use drugs "
            "have offended, or that people experiencing homelessness use drugs), which people fear will "
            "worsen their chances of housing, work and support."
        ),
        reads_sections=("title", "impact_statement", "research_questions", "will_do", "wont_do"),
    ),
)

# --- Use cases, in the report's order, with how the fieldwork reviewers judged them ---------------

USE_CASES = (*SUBSTANCE_USE_AND_HOMELESSNESS, *PRISON_LEAVERS_AND_VICTIMS)

# When the report's drafts were written, before the fieldwork.
VERSIONS_CREATED_AT = datetime.datetime(2022, 11, 28, 9, 0, tzinfo=datetime.UTC)

# --- Review rounds and reviewers ------------------------------------------------------------


@dataclass(frozen=True)
class ReviewerData:
    email: str
    organisation: str


@dataclass(frozen=True)
class FieldworkRoundData:
    slug: str
    name: str
    threshold: str
    min_reviews: int
    opens_on: datetime.date
    closes_on: datetime.date
    # Pseudonymous reviewers, three per audience, each from one of the audience's organisations.
    reviewers: dict[str, tuple[ReviewerData, ReviewerData, ReviewerData]]


FIELDWORK_ROUND = FieldworkRoundData(
    slug="fieldwork-2023",
    name="Fieldwork 2023 (from the report)",
    threshold="0.50",
    min_reviews=2,
    opens_on=datetime.date(2023, 1, 9),
    closes_on=datetime.date(2023, 2, 17),
    reviewers={
        "reducing-reoffending": (
            ReviewerData("reviewer-01@fieldwork.bold.example", "nacro"),
            ReviewerData("reviewer-02@fieldwork.bold.example", "unlock"),
            ReviewerData("reviewer-03@fieldwork.bold.example", "nacro"),
        ),
        "substance-misuse": (
            ReviewerData("reviewer-04@fieldwork.bold.example", "change-grow-live"),
            ReviewerData("reviewer-05@fieldwork.bold.example", "aspire-drug-alcohol-services"),
            ReviewerData("reviewer-06@fieldwork.bold.example", "the-well-communities"),
        ),
        "homelessness": (
            ReviewerData("reviewer-07@fieldwork.bold.example", "crisis"),
            ReviewerData("reviewer-08@fieldwork.bold.example", "st-basils"),
            ReviewerData("reviewer-09@fieldwork.bold.example", "centrepoint"),
        ),
        "victims": (
            ReviewerData("reviewer-10@fieldwork.bold.example", "the-survivors-trust"),
            ReviewerData("reviewer-11@fieldwork.bold.example", "new-pathways"),
            ReviewerData("reviewer-12@fieldwork.bold.example", "bawso"),
        ),
    },
)
# Fieldwork reviews are dated inside the round: the first on this day, the rest a day apart.
FIELDWORK_FIRST_SUBMISSION = datetime.datetime(2023, 1, 16, 10, 0, tzinfo=datetime.UTC)
# The fieldwork round closed at the end of its last day.
FIELDWORK_CLOSED_AT = datetime.datetime(2023, 2, 17, 17, 0, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class DemoAssignmentData:
    use_case: str
    # Days after the round opened; the round opens 21 days before the first load, so 18 is overdue.
    due_after_days: int
    to_demo_reviewer: bool  # otherwise to the demo reviewer's organisation


@dataclass(frozen=True)
class DemoRoundData:
    slug: str
    name: str
    opened_days_before_load: int
    open_for_days: int
    organisation: str
    assignments: tuple[DemoAssignmentData, ...]


DEMO_ROUND = DemoRoundData(
    slug="winter-2026",
    name="Winter 2026 review",
    opened_days_before_load=21,
    open_for_days=49,
    organisation="crisis",
    assignments=(
        DemoAssignmentData("rough-sleeping-substance-use", due_after_days=18, to_demo_reviewer=True),
        DemoAssignmentData("homelessness-and-prison", due_after_days=35, to_demo_reviewer=True),
        DemoAssignmentData("repeat-homelessness", due_after_days=42, to_demo_reviewer=False),
    ),
)

# --- Demo sign-ins, for local use only ----------------------------------------------------------

REVIEWER = "reviewer"
LEAD = "lead"
AUTHOR = "author"
ANALYST = "analyst"
ADMIN = "admin"


@dataclass(frozen=True)
class DemoAccountData:
    role: str
    email: str
    full_name: str


# One shared password for every demo sign-in; it passes the portal's password validators. Public
# on purpose (the README gives it), for demo data only, hence the nosec comment for bandit.
DEMO_PASSWORD = "local-demo-only-2026"  # nosec
DEMO_ORGANISATION = "crisis"
DEMO_AUTHOR_AUDIENCE = "homelessness"

DEMO_ACCOUNTS = (
    DemoAccountData(REVIEWER, "reviewer@demo.bold.example", "Demo Reviewer"),
    DemoAccountData(LEAD, "lead@demo.bold.example", "Demo Organisation lead"),
    DemoAccountData(AUTHOR, "author@demo.bold.example", "Demo Author"),
    DemoAccountData(ANALYST, "analyst@demo.bold.example", "Demo Analyst"),
    DemoAccountData(ADMIN, "admin@demo.bold.example", "Demo Admin"),
)
