"""The report's illustrative use cases for people who use drugs and people experiencing
homelessness, with the fieldwork reviewers' judgements (reviews/demo/bold_report.py)."""

from reviews.demo.report_judgements import (
    ANONYMISED,
    GROUPS_ONLY,
    NO_INDIVIDUAL_DECISIONS,
    NOT_SOLD,
    SECURE_ANALYSTS,
    TICK,
    VETTED_ONLY,
    UseCaseData,
    cross,
    unsure,
)

SUBSTANCE_USE_AND_HOMELESSNESS = (
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
)
