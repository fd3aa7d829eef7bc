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
from dataclasses import dataclass, field

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

# --- Use cases and how the fieldwork reviewers judged them --------------------------------------

MEETS = "meets"
DOES_NOT_MEET = "does_not_meet"
NOT_SURE = "not_sure"


@dataclass(frozen=True)
class Judgement:
    """One fieldwork reviewer's verdict on one principle."""

    verdict: str
    reason: str = ""
    suggested_rewording: str = ""


TICK = Judgement(MEETS)


def cross(reason: str, *, rewording: str = "") -> Judgement:
    return Judgement(DOES_NOT_MEET, reason, rewording)


def unsure(reason: str) -> Judgement:
    return Judgement(NOT_SURE, reason)


@dataclass(frozen=True)
class UseCaseData:
    slug: str
    audience: str
    title: str
    impact_statement: str
    research_questions: tuple[str, ...]
    data_flows: tuple[dict[str, str], ...]
    will_do: tuple[str, ...]
    wont_do: tuple[str, ...]
    # Principle slug -> the judgements of the audience's three fieldwork reviewers, in order.
    fieldwork: dict[str, tuple[Judgement, Judgement, Judgement]] = field(default_factory=dict)


SECURE_ANALYSTS = "BOLD analysts, in a secure research environment"

ANONYMISED = "Remove names, dates of birth and addresses before any records are linked"
VETTED_ONLY = "Let only trained, vetted BOLD analysts see the linked records, in a secure research environment"
GROUPS_ONLY = "Publish findings only as numbers about groups of people, never about anyone in particular"
NO_INDIVIDUAL_DECISIONS = "Use the data to make decisions about any individual person"
NOT_SOLD = "Sell the data or pass it to private companies"


USE_CASES = (
    # Substance Misuse
    UseCaseData(
        slug="treatment-on-probation",
        audience="substance-misuse",
        title="Treatment for those on probation",
        impact_statement=(
            "Drug and alcohol use is a major driver of offending among people on probation. This use case "
            "will help the Government understand whether treatment ordered by the courts reduces "
            "drug-related offending."
        ),
        research_questions=(
            "How many people on probation start drug or alcohol treatment, and how long do they stay in it?",
            "Are people who complete treatment while on probation reconvicted less often?",
            "Where do people on probation wait longest for treatment to start?",
        ),
        data_flows=(
            {
                "information": "When a probation order started and ended, and its type",
                "from": "HM Prison and Probation Service",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "When treatment started and ended, and whether it was completed",
                "from": "Drug and alcohol treatment services (National Drug Treatment Monitoring System)",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "Reconvictions within two years",
                "from": "Police National Computer",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(ANONYMISED, VETTED_ONLY, GROUPS_ONLY),
        wont_do=(
            "Tell probation officers, employers or landlords about anyone's treatment",
            NO_INDIVIDUAL_DECISIONS,
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                TICK,
                cross(
                    "The benefit is to the justice system. It does not say what would get better for people in "
                    "treatment."
                ),
                cross(
                    "Reducing offending is the Government's goal; people on probation want treatment that "
                    "carries on and fits their lives."
                ),
            ),
            "clear": (
                TICK,
                TICK,
                unsure(
                    "The flows are clear, but it does not say whether probation officers could ask for the "
                    "linked records later."
                ),
            ),
            "non-stigmatising": (
                cross(
                    "Implies that people who use drugs have offended, and that drug use causes offending.",
                    rewording="Many people on probation want support with drugs or alcohol, and it is often hard "
                    "to get.",
                ),
                cross(
                    "Calls drug use a 'driver of offending'. Many people who use drugs have never been to "
                    "prison and resent the suggestion."
                ),
                cross(
                    "Links drug use and crime as if one leads to the other; it leaves out mental health and "
                    "everything else going on in people's lives."
                ),
            ),
        },
    ),
    UseCaseData(
        slug="substance-use-after-prison",
        audience="substance-misuse",
        title="Substance use issues after leaving prison",
        impact_statement=(
            "Most people leaving prison have a drug or alcohol problem. Support that people start in prison "
            "often stops at the prison gate. Finding where the handover to community services breaks down will "
            "help prisons and treatment services build the bridge people have asked for, so that support "
            "carries on from the first day out."
        ),
        research_questions=(
            "How many people in treatment in prison are seen by a community treatment service within three "
            "weeks of release?",
            "What helps people carry on with treatment after release: an appointment made before release, a "
            "named worker, somewhere stable to live?",
            "Where does the handover between prison and community services most often break down?",
        ),
        data_flows=(
            {
                "information": "Treatment received in prison and the date of release",
                "from": "Prison healthcare services (NHS England)",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "When community treatment started, and whether it was completed",
                "from": "Community drug and alcohol services (National Drug Treatment Monitoring System)",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(
            ANONYMISED,
            VETTED_ONLY,
            GROUPS_ONLY,
            "Share what it finds with prisons and treatment services so that handovers can be improved",
        ),
        wont_do=(
            "Tell probation officers, employers or landlords about anyone's treatment",
            NO_INDIVIDUAL_DECISIONS,
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                TICK,
                TICK,
                cross("Better handovers would help, but it does not say who will act on the findings."),
            ),
            "clear": (TICK, TICK, TICK),
            "non-stigmatising": (
                unsure(
                    "'Most people leaving prison have a drug or alcohol problem' may be true of some prisons, "
                    "but it reads as a label."
                ),
                cross(
                    "Assumes that everyone leaving prison uses drugs or alcohol.",
                    rewording="Some people leaving prison are getting support with drugs or alcohol, and that "
                    "support often stops at the prison gate.",
                ),
                cross(
                    "Starts by labelling prison leavers as having a 'problem' rather than describing the "
                    "support they need."
                ),
            ),
        },
    ),
    UseCaseData(
        slug="multiple-conditions",
        audience="substance-misuse",
        title="Substance use issues and risk of multiple conditions",
        impact_statement=(
            "People who use drugs or alcohol and also live with mental or physical health conditions are "
            "often passed between services that each treat one thing. Finding out which needs are missed "
            "will help services offer joined-up care, such as mental health support alongside treatment."
        ),
        research_questions=(
            "What is the prevalence of multimorbidity and dual diagnosis among substance misusers compared "
            "with the general population?",
            "Which comorbidity clusters predict high-cost secondary care utilisation and criminal justice contact?",
            "What is the attributable risk of offending associated with each cluster?",
        ),
        data_flows=(
            {"information": "Health and treatment datasets", "from": "NHS and treatment providers", "to": "BOLD"},
            {"information": "Justice datasets", "from": "Justice agencies", "to": "Research partners"},
        ),
        will_do=("Link health, treatment and justice datasets at record level", "Build risk models"),
        wont_do=("Use the data for purposes other than research",),
        fieldwork={
            "relevant": (
                cross(
                    "Written in clinical language ('comorbidity clusters') that people who use drugs would "
                    "not recognise."
                ),
                cross("Reads like a study about costs to the NHS, not about people's lives."),
                unsure("The topic matters, but the questions are hard to follow for anyone outside health research."),
            ),
            "impactful": (
                TICK,
                TICK,
                unsure(
                    "Joined-up care is the right aim, but the questions focus on cost and risk rather than "
                    "on what would help."
                ),
            ),
            "clear": (
                cross(
                    "Does not say who receives the data: 'research partners' could be anyone.",
                    rewording="Name the organisations that will see the linked records, and say that they are "
                    "anonymised.",
                ),
                TICK,
                cross("No mention of anonymisation, and 'link at record level' will worry people."),
            ),
            "non-stigmatising": (
                cross(
                    "Calls people 'substance misusers' and asks about their 'risk of offending'.",
                    rewording="people who use drugs or alcohol",
                ),
                cross("Links drug use, illness and crime together, which is exactly what people fear BOLD will do."),
                cross("Implies that people who use drugs have offended."),
            ),
        },
    ),
    # Homelessness
    UseCaseData(
        slug="rough-sleeping-substance-use",
        audience="homelessness",
        title="Rough sleeping and substance use issues",
        impact_statement=(
            "Rough sleeping and drug or alcohol use usually go together. This use case will add to the "
            "evidence base on the relationship between the two."
        ),
        research_questions=(
            "How many people seen sleeping rough are also in drug or alcohol treatment?",
            "Does drug or alcohol use usually start before or after someone first sleeps rough?",
            "How long do people sleep rough before they are offered treatment?",
        ),
        data_flows=(
            {
                "information": "Dates and areas where outreach workers met people sleeping rough",
                "from": "Street outreach teams (CHAIN database, London)",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "When treatment started and ended",
                "from": "Drug and alcohol treatment services (National Drug Treatment Monitoring System)",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(ANONYMISED, VETTED_ONLY, GROUPS_ONLY),
        wont_do=(
            "Share anyone's treatment history with councils, housing officers or landlords",
            NO_INDIVIDUAL_DECISIONS,
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                cross("'Add to the evidence base' is vague: what will change for people sleeping rough?"),
                cross(
                    "People already know these links. It does not say how the findings would be used to get "
                    "people support sooner."
                ),
                unsure("Faster access to treatment could follow, but the draft never says so."),
            ),
            "clear": (TICK, TICK, TICK),
            "non-stigmatising": (
                cross(
                    "Assumes that people sleeping rough use drugs or alcohol.",
                    rewording="Some people sleeping rough also want support with drugs or alcohol, and find it "
                    "hard to get.",
                ),
                TICK,
                cross(
                    "Links homelessness and substance use as if they always go together; people fear this "
                    "means less support and less good will."
                ),
            ),
        },
    ),
    UseCaseData(
        slug="homelessness-and-prison",
        audience="homelessness",
        title="Homelessness and spending time in prison",
        impact_statement=(
            "People released from prison with nowhere to live are more likely to go back to prison. Many "
            "people experiencing homelessness have been in prison, and being homeless often leads people into "
            "crime. Knowing when people lose their homes around a prison sentence will help councils and "
            "prisons plan housing before release, so fewer people leave prison with nowhere to go."
        ),
        research_questions=(
            "When do people lose their home: before, during or after a prison sentence?",
            "Are people who have somewhere to live on release less likely to go back to prison?",
            "Which kinds of housing support before release make the most difference?",
        ),
        data_flows=(
            {"information": "Housing information", "from": "Councils", "to": "Relevant agencies"},
            {"information": "Prison records", "from": "Prisons", "to": "Partners"},
        ),
        will_do=("Link housing and prison data", "Help councils and prisons plan housing before release"),
        wont_do=("Use the data for enforcement",),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                TICK,
                cross("Planning housing before release is right, but it does not say who would make it happen."),
                TICK,
            ),
            "clear": (
                cross(
                    "Does not say who receives the data: 'relevant agencies' and 'partners' could be anyone, "
                    "including landlords."
                ),
                unsure("Nothing about anonymisation; people will assume their own records are being passed on."),
                cross(
                    "'Prison records' and 'housing information' are too vague to know what is shared.",
                    rewording="Name the categories of information, who sends them and who receives them.",
                ),
            ),
            "non-stigmatising": (
                cross("Says homelessness 'leads people into crime'. People fear this will cost them housing and work."),
                cross("Assumes people experiencing homelessness have been in prison."),
                cross(
                    "Links homelessness and offending together; many people experiencing homelessness have "
                    "never offended.",
                    rewording="Leaving prison with nowhere to live makes it much harder to make a fresh start.",
                ),
            ),
        },
    ),
    UseCaseData(
        slug="repeat-homelessness",
        audience="homelessness",
        title="Repeat homelessness",
        impact_statement=(
            "Too many people who find a home after homelessness lose it again. Finding out what helps people "
            "keep their home, and what gets in the way (such as support ending too soon, or moving far from "
            "friends and services), will help councils and charities offer the right support at the right "
            "time, so fewer people go through homelessness more than once."
        ),
        research_questions=(
            "How many people who are helped into a home become homeless again within two years?",
            "What support did people who kept their home have, compared with people who lost it?",
            "Does moving to a new area, or support ending early, make losing a home again more likely?",
        ),
        data_flows=(
            {
                "information": "Homelessness applications, the help given and where people moved to",
                "from": "Councils (homelessness case records)",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "When housing-related benefits started and stopped",
                "from": "Department for Work and Pensions",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(
            ANONYMISED,
            VETTED_ONLY,
            GROUPS_ONLY,
            "Share what it finds with councils and homelessness charities so support can be planned better",
        ),
        wont_do=(
            "Share anyone's information with landlords or housing officers",
            NO_INDIVIDUAL_DECISIONS,
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (TICK, TICK, TICK),
            "clear": (
                TICK,
                unsure("Clear about what is shared; it could also say who decides which analysts get access."),
                TICK,
            ),
            "non-stigmatising": (TICK, TICK, TICK),
        },
    ),
    # Reducing Reoffending
    UseCaseData(
        slug="risk-of-reoffending",
        audience="reducing-reoffending",
        title="Risk of re-offending",
        impact_statement=(
            "Some prison leavers go back to prison within a year of release. This use case will give a better "
            "picture of the circumstances linked to returning to prison, to inform future policy."
        ),
        research_questions=(
            "Which circumstances after release (somewhere to live, work, health, support) are linked with "
            "people returning to prison?",
            "How does this differ by age, gender and length of sentence?",
            "Did changes to probation services since 2021 change these patterns?",
        ),
        data_flows=(
            {
                "information": "Dates of release and of any return to prison",
                "from": "HM Prison and Probation Service",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "Whether people were in work or claiming benefits after release",
                "from": "Department for Work and Pensions and HM Revenue and Customs",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(ANONYMISED, VETTED_ONLY, GROUPS_ONLY),
        wont_do=(
            "Be used to make decisions about individual cases, sentences or probation",
            "Share anyone's conviction with other Government departments or services",
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                cross("'Inform future policy' is vague. What would change for prison leavers?"),
                cross(
                    "Prison leavers already know what makes going back to prison likely; it does not say how "
                    "the findings will be acted on."
                ),
                TICK,
            ),
            "clear": (TICK, TICK, TICK),
            "non-stigmatising": (
                TICK,
                TICK,
                unsure("The wording is careful, but the title 'Risk of re-offending' may read as scoring people."),
            ),
        },
    ),
    UseCaseData(
        slug="employment-after-prison",
        audience="reducing-reoffending",
        title="Employment after spending time in prison",
        impact_statement=(
            "Work is one of the things that most helps people build a life after prison, yet learning done in "
            "prison is often lost on release: some people have had to re-take GCSEs they passed inside. "
            "Showing which courses and support lead to work will help prisons and employment services offer "
            "what really helps, and make the case for people's records of learning to follow them out of "
            "prison."
        ),
        research_questions=(
            "Which courses and qualifications taken in prison are followed by work or further study after release?",
            "How long does it take prison leavers to find work, and what support helps?",
            "How often are qualifications gained in prison missing from people's records after release?",
        ),
        data_flows=(
            {
                "information": "Courses and qualifications taken in prison",
                "from": "Prison education providers, through HM Prison and Probation Service",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "Qualifications on the national learner record",
                "from": "Department for Education",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "Periods of employment after release",
                "from": "HM Revenue and Customs",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(
            ANONYMISED,
            VETTED_ONLY,
            GROUPS_ONLY,
            "Share what it finds with prisons, colleges and employment services",
        ),
        wont_do=(
            "Tell employers about anyone's conviction or time in prison",
            NO_INDIVIDUAL_DECISIONS,
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (TICK, TICK, TICK),
            "clear": (
                TICK,
                TICK,
                cross(
                    "Clear about the flows, but people will still ask whether HMRC records could reach an "
                    "employer; say so explicitly."
                ),
            ),
            "non-stigmatising": (TICK, TICK, TICK),
        },
    ),
    UseCaseData(
        slug="children-of-imprisoned-parents",
        audience="reducing-reoffending",
        title="Children of imprisoned parents",
        impact_statement=(
            "When a parent goes to prison, their children can lose their home, their school place and contact "
            "with the parent. Understanding what these children go through will help schools and councils "
            "offer support earlier, and break the cycle of intergenerational offending."
        ),
        research_questions=(
            "How often do children move home or school when a parent goes to prison?",
            "What support do children get from schools and children's services while a parent is in prison?",
            "Are children of imprisoned parents more likely to offend themselves?",
        ),
        data_flows=(
            {
                "information": "Dates a parent was in prison",
                "from": "HM Prison and Probation Service",
                "to": SECURE_ANALYSTS,
            },
            {
                "information": "Changes of school, attendance and exclusions",
                "from": "Department for Education (National Pupil Database)",
                "to": SECURE_ANALYSTS,
            },
        ),
        will_do=(ANONYMISED, VETTED_ONLY, GROUPS_ONLY),
        wont_do=(
            "Tell schools or social workers which children have a parent in prison",
            NO_INDIVIDUAL_DECISIONS,
            NOT_SOLD,
        ),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                TICK,
                unsure("Earlier support is a real benefit; it would help to say what kind."),
                TICK,
            ),
            "clear": (TICK, TICK, TICK),
            "non-stigmatising": (
                TICK,
                cross(
                    "'Break the cycle of intergenerational offending' suggests the children will offend.",
                    rewording="so that children get the support they need while a parent is in prison",
                ),
                cross(
                    "Asking whether the children will 'offend themselves' labels them before they have done anything."
                ),
            ),
        },
    ),
    # Victims
    UseCaseData(
        slug="engagement-with-cjs",
        audience="victims",
        title="Engagement with the Criminal Justice System",
        impact_statement=(
            "A high proportion of cases are lost between a crime being reported and a court outcome. This use "
            "case will provide management information on attrition points in the criminal justice process."
        ),
        research_questions=(
            "What are the attrition rates at each stage of the criminal justice process, by offence type?",
            "What is the median time from report to charge, and from charge to disposal?",
        ),
        data_flows=({"information": "Case-level data", "from": "Criminal justice agencies", "to": "Analysts"},),
        will_do=("Link case-level criminal justice data", "Produce management information"),
        wont_do=("Publish individual case details",),
        fieldwork={
            "relevant": (
                cross(
                    "Written about the system's processes ('attrition points'), not about what victims and "
                    "survivors go through."
                ),
                cross("Victims and survivors would not recognise their own experience in it."),
                cross(
                    "Nothing about being believed, listened to or referred to support, which is what people "
                    "told us matters."
                ),
            ),
            "impactful": (
                cross(
                    "Management information helps the system; it does not say how victims and survivors would benefit."
                ),
                cross(
                    "People feel the failings are in the police and the courts; research alone will not convince them."
                ),
                unsure("Fewer cases dropped would help victims, but the draft never says so."),
            ),
            "clear": (
                cross("'Analysts' and 'criminal justice agencies' do not say who receives the data."),
                cross(
                    "Nothing about anonymity, which matters most to victims and survivors.",
                    rewording="Say that names and details are removed before linking and only group numbers are "
                    "published.",
                ),
                cross("'Case-level data' could mean anything, including details of the crime."),
            ),
            "non-stigmatising": (TICK, TICK, TICK),
        },
    ),
    UseCaseData(
        slug="engagement-with-support-services",
        audience="victims",
        title="Engagement with support services",
        impact_statement=(
            "Many victims and survivors of crime are never referred to support, or are referred but do not "
            "receive it. This use case will tell us more about how victims use support services."
        ),
        research_questions=(
            "How many victims and survivors who report a crime are referred to a support service, and how many "
            "receive support?",
            "How long do people wait between reporting a crime and first receiving support?",
            "Do people's experiences differ by type of crime, age or where they live?",
        ),
        data_flows=(
            {
                "information": "Crime reports and referrals to support",
                "from": "Police forces",
                "to": "Support services and other organisations",
            },
            {"information": "Health records", "from": "NHS", "to": "Partner organisations"},
        ),
        will_do=("Join up information about victims across services",),
        wont_do=("Share information with anyone who does not need it",),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (
                cross("'Tell us more' is not a benefit. What would change for victims and survivors?"),
                unsure("Better referrals could follow, but the draft does not commit to anything."),
                cross("People want support to work, not another study of how they use it."),
            ),
            "clear": (
                cross("Health records going to 'partner organisations' will alarm people: who are they?"),
                cross(
                    "Does not say which health information is shared or that it is anonymised.",
                    rewording="Only the date of a referral and whether support started, with names removed.",
                ),
                cross(
                    "'Anyone who does not need it' leaves open who does; people want need-to-know sharing spelt out."
                ),
            ),
            "non-stigmatising": (TICK, TICK, TICK),
        },
    ),
    UseCaseData(
        slug="accessing-support",
        audience="victims",
        title="Accessing support",
        impact_statement=(
            "Victims and survivors of domestic abuse tell us that services do not talk to each other: the "
            "police and a school may know about abuse while adult social care does not, and families are left "
            "at risk. Finding where information stops will help services make sure people get protection and "
            "support without having to tell their story again and again."
        ),
        research_questions=(
            "When the police record domestic abuse, how often do other services involved with the family also know?",
            "How long does it take for victims and survivors to be offered support after first telling a service?",
            "Where do families most often fall between services?",
        ),
        data_flows=({"information": "Relevant information", "from": "Police, schools and social care", "to": "BOLD"},),
        will_do=("Link information across the services involved",),
        wont_do=("Use the data for anything else",),
        fieldwork={
            "relevant": (TICK, TICK, TICK),
            "impactful": (TICK, TICK, TICK),
            "clear": (
                cross(
                    "'Relevant information' does not say what is shared; people worry their medical history "
                    "could be included."
                ),
                cross("Does not say the data is anonymised or who at BOLD sees it."),
                unsure("The aim is clear, but not what BOLD will and won't do with the data."),
            ),
            "non-stigmatising": (
                TICK,
                TICK,
                unsure(
                    "Careful not to blame families, but 'families are left at risk' could read as blaming services."
                ),
            ),
        },
    ),
)

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


# One shared password for every demo sign-in; it passes the portal's password validators.
DEMO_PASSWORD = "local-demo-only-2026"
DEMO_ORGANISATION = "crisis"
DEMO_AUTHOR_AUDIENCE = "homelessness"

DEMO_ACCOUNTS = (
    DemoAccountData(REVIEWER, "reviewer@demo.bold.example", "Demo Reviewer"),
    DemoAccountData(LEAD, "lead@demo.bold.example", "Demo Organisation lead"),
    DemoAccountData(AUTHOR, "author@demo.bold.example", "Demo Author"),
    DemoAccountData(ANALYST, "analyst@demo.bold.example", "Demo Analyst"),
    DemoAccountData(ADMIN, "admin@demo.bold.example", "Demo Admin"),
)
