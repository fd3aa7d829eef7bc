"""A draft's text with every section written, and the data parties its flow names."""

from usecases.models import DataParty

WRITTEN = {
    "title": "Repeat homelessness after prison",
    "impact_statement": "Fewer prison leavers sleeping rough.",
    "research_questions": "How many return?\nWhat helps?",
    "data_flows": [
        {
            "information": "Release dates",
            "from": "HM Prison and Probation Service",
            "to": "ONS",
            "purpose": "Link stays",
            "legal_basis": "Digital Economy Act 2017",
        }
    ],
    "will_do": "Count groups of 10 or more",
    "wont_do": "Decide anything about one person",
    "consent": "The law allows it without consent.",
    "anonymity": "Names are removed before linking.",
    "individual_impact": "Aggregate analysis only.",
    "security": "Trusted research environment.",
}


def make_written_parties() -> None:
    """The parties WRITTEN's data flow names, both public bodies."""
    for name in ("HM Prison and Probation Service", "ONS"):
        DataParty.objects.create(name=name, kind=DataParty.Kind.PUBLIC_BODY)
