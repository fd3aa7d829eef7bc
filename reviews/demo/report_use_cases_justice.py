"""The report's illustrative use cases for prison leavers and for victims and survivors of crime,
with the fieldwork reviewers' judgements (reviews/demo/bold_report.py)."""

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

PRISON_LEAVERS_AND_VICTIMS = (
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
