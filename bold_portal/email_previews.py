"""Every kind of email the portal sends, with sample data built in memory, for the admins'
previews (docs/email.md, "Previews"): nothing is read from or written to the database, and no link
in a preview works."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from bold_portal.email import email_message

SAMPLE_URL = "https://portal.example/sample"
# Whether the sample person has a password, not a password (bandit's B105 reads the key's name:
# hence the nosec comment).
_HAS_PASSWORD = {"has_password": True}  # nosec
_DUE = datetime.date(2030, 5, 1)
_ITEM = {
    "title": "Repeat homelessness",
    "audience": "Homelessness",
    "round": "Spring review",
    "due_on": _DUE,
    "url": SAMPLE_URL,
    "results_url": SAMPLE_URL,
    "submitted": True,
    "text": "Repeat homelessness (Spring review), due 1 May 2030",
}
_REQUEST = {
    "name": "Sam Example",
    "title": "Repeat homelessness",
    "round": "Spring review",
    "who": "Alex Example",
    "given_to": "Crisis",
    "reason": "Our team is away for two weeks.",
    "requested_due_on": _DUE,
    "note": "The round closes soon after.",
    "link": SAMPLE_URL,
}
_QUESTION = {
    "name": "Sam Example",
    "title": "Repeat homelessness",
    "number": 2,
    "round": "Spring review",
    "principle": "Clear and informative",
    "question": "How often does the council send the housing records?",
    "link": SAMPLE_URL,
}


@dataclass(frozen=True)
class EmailKind:
    kind: str
    label: str
    template: str
    context: dict


EMAIL_KINDS = [
    EmailKind(
        "invitation",
        _("Invitation"),
        "audiences/email/invitation",
        {
            "invitation": {"organisation": {"name": "Crisis"}, "get_role_display": "Reviewer"},
            "inviter_name": "Alex Example",
            "accept_url": SAMPLE_URL,
            "valid_days": 14,
        },
    ),
    EmailKind(
        "member_reminder",
        _("Reminder from a lead"),
        "audiences/email/reminder",
        {
            "name": "Sam Example",
            "organisation": "Crisis",
            "sender": "Alex Example",
            "items": [_ITEM],
            "url": SAMPLE_URL,
        },
    ),
    EmailKind(
        "set_password",
        _("Create your password"),
        "accounts/email/set_password",
        {"name": "Sam Example", "url": SAMPLE_URL, "valid_days": 3},
    ),
    EmailKind(
        "password_reset",
        _("Password reset"),
        "registration/password_reset",
        {"url": SAMPLE_URL, **_HAS_PASSWORD},
    ),
    EmailKind(
        "round_opened",
        _("Round open"),
        "reviews/email/round_opened",
        {
            "name": "Sam Example",
            "round": {"name": "Spring review"},
            "count": 1,
            "items": [_ITEM],
            "my_reviews_url": SAMPLE_URL,
            **_HAS_PASSWORD,
        },
    ),
    EmailKind(
        "round_closed",
        _("Round closed"),
        "reviews/email/round_closed",
        {"name": "Sam Example", "round": {"name": "Spring review"}, "items": [_ITEM], "my_reviews_url": SAMPLE_URL},
    ),
    EmailKind(
        "decision_recorded",
        _("Programme decision"),
        "reviews/email/decision_recorded",
        {
            "name": "Sam Example",
            "round": {"name": "Spring review"},
            "title": "Housing after prison",
            "outcome": "Go ahead with conditions",
            "reasons": "Reviewers agreed the use case is relevant and clear.",
            "conditions": [{"principle": "Non-stigmatising", "text": "Say prison leaver throughout."}],
            "url": SAMPLE_URL,
        },
    ),
    EmailKind(
        "reminder",
        _("Reminder before a due date"),
        "reviews/email/reminder",
        {
            "name": "Sam Example",
            "due_today": [_ITEM],
            "due_soon": [],
            "date": _DUE,
            "my_reviews_url": SAMPLE_URL,
            **_HAS_PASSWORD,
        },
    ),
    EmailKind(
        "interest_declared",
        _("Assignments taken away by a declared interest"),
        "reviews/email/interest_declared",
        {"name": "Sam Example", "organisation": "Crisis", "items": [{**_ITEM, "organisation": "Crisis"}]},
    ),
    EmailKind(
        "request_arrived",
        _("A decline or a request for more time arrived"),
        "reviews/email/request_arrived",
        {**_REQUEST, "kind": "more_time"},
    ),
    EmailKind(
        "request_answered",
        _("A request for more time answered"),
        "reviews/email/request_answered",
        {**_REQUEST, "state": "granted"},
    ),
    EmailKind(
        "question_arrived",
        _("A reviewer's question to the authors"),
        "reviews/email/question_arrived",
        _QUESTION,
    ),
    EmailKind(
        "question_answered",
        _("A reviewer's question answered"),
        "reviews/email/question_answered",
        {**_QUESTION, "by_authors": True, "answer": "Councils send it monthly; section 3 now says so."},
    ),
    EmailKind(
        "assignment_given",
        _("A use case given after its round opened"),
        "reviews/email/assignment_given",
        {
            "name": "Sam Example",
            "title": "Repeat homelessness",
            "audience": "Homelessness",
            "round": "Spring review",
            "due_on": _DUE,
            "given_to": "Crisis",
            "link": SAMPLE_URL,
        },
    ),
]


@dataclass(frozen=True)
class Preview:
    kind: EmailKind
    subject: str
    text: str
    html: str


def email_kind(kind: str) -> EmailKind | None:
    return next((item for item in EMAIL_KINDS if item.kind == kind), None)


def email_preview(kind: EmailKind) -> Preview:
    """The email rendered with its sample data, as it would be sent; nothing is stored."""
    email = email_message(template=kind.template, to=["sam@example.org"], context=kind.context)
    html = next((content for content, mimetype in email.alternatives if mimetype == "text/html"), "")
    return Preview(kind=kind, subject=email.subject, text=email.body, html=html)
