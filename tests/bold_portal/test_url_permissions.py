"""Who can open which page: every URL of the URLconf, requested by every kind of person.

EXPECTED below names each URL and what each role gets: a page (200), a 404 for people with no part
in it, a redirect to sign in for anonymous visitors, a 405 for a button's address opened with GET
(by people who may press the button; others get the 404 first), and so on. A URL added to the
URLconf without an entry here fails the test, and so does an entry for a URL that has gone: write
down who may open a new page when it is added. The Django admin is covered as a family by rule:
superusers only. docs/permissions.md says the same in words.
"""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audiences.models import Membership
from audiences.services.audiences import audience_authors_add
from audiences.services.invitations import invitation_create
from bold_portal.celery import app as celery_app
from bold_portal.models import AuditEvent, OutboxMessage
from language.models import LexiconEntry
from matrix.services.exports import matrix_export_request, matrix_export_run
from matrix.services.recompute import matrix_recompute
from matrix.services.tokens import api_token_create
from register.services import register_entry_publish
from reviews.models import ReviewRound, Verdict
from reviews.services.decisions import ConditionInput, decision_record
from reviews.services.interests import interest_declare
from reviews.services.questions import question_ask
from reviews.services.requests import assignment_more_time_request
from reviews.services.review_links import review_link_send
from tests.factories import (
    make_admin,
    make_analyst,
    make_assignment,
    make_audience,
    make_author,
    make_organisation,
    make_principle,
    make_round,
    make_user,
    make_version,
)
from tests.matrix.analyst_support import make_lead, make_reviewer, submit
from tests.urlconf import url_routes
from usecases.models import DataParty
from usecases.services import use_case_draft_start

ROLES = (
    "anonymous",
    "reviewer",  # a reviewer of organisation O, which is given the use case and whose review is submitted
    "other_reviewer",  # a reviewer of organisation O2, which serves another audience
    "lead",  # O's lead
    "other_lead",  # O2's lead
    "author",  # an author of the use case's audience
    "other_author",  # an author of another audience
    "analyst",
    "admin",  # a programme admin
    "superuser",
    # The reviewer, signed in by their personal review link for the round: their answers are not
    # in EXPECTED but follow from it (link_holder_expected).
    "link_holder",
)


@dataclass(frozen=True)
class Redirect:
    """A 302 to the page named, with any query string (such as ?next=). Its kwargs are `kwargs`,
    on top of the requested URL's own when `same_kwargs`."""

    to: str
    kwargs: tuple = ()
    same_kwargs: bool = False

    def matches(self, response, url_kwargs: dict) -> bool:
        if response.status_code != 302:
            return False
        kwargs = {**(url_kwargs if self.same_kwargs else {}), **dict(self.kwargs)}
        return response["Location"].split("#")[0].split("?")[0] == reverse(self.to, kwargs=kwargs)

    def __str__(self):
        return f"302 to {self.to}"


SIGN_IN = Redirect("login")


def access(default, **by_role):
    """A role -> expected answer table: `default` for every signed-in role not named, a redirect
    to sign in for anonymous visitors unless named."""
    return {"anonymous": SIGN_IN, **dict.fromkeys(ROLES[1:-1], default), **by_role}


def post_only(table):
    """A button's address opened with GET, where the permission check runs first: a 405 for those
    the table gives the page, the same answer as the table for everyone else."""
    return {role: 405 if expected == 200 else expected for role, expected in table.items()}


# Named access classes, each a role -> status table.
PUBLIC = dict.fromkeys(ROLES[:-1], 200)
SIGNED_IN = access(200)
ADMIN_ONLY = access(404, admin=200, superuser=200)
ANALYST_ONLY = access(404, analyst=200, admin=200, superuser=200)
# Staff who must use two-factor sign-in (analysts, admins, superusers).
TWO_FACTOR_STAFF = ANALYST_ONLY
LEAD_OF_OWN_ORGANISATION = access(404, lead=200, admin=200, superuser=200)
ANY_LEAD = access(404, lead=200, other_lead=200, admin=200, superuser=200)
# The use case version in the round, given to organisation O: its members, and programme admins.
ASSIGNED_TO_ORGANISATION = access(404, reviewer=200, lead=200, admin=200, superuser=200)
# A button's address whose method check runs before the permission check: a 405 for everyone
# signed in, which says nothing about the object named in the address.
POST_ONLY_FOR_ALL = access(405)
# The API answers tools, not browsers: no credentials is a 401, a person who is not an analyst a 403.
API = access(403, anonymous=401, analyst=200, admin=200, superuser=200)

# Authors of the use case's audience (A), and programme admins; the author of B gets a 404.
WRITES_THE_USE_CASE = access(404, author=200, admin=200, superuser=200)
ANY_AUTHOR = access(404, author=200, other_author=200, admin=200, superuser=200)

EXPECTED = {
    "home": access(
        200,
        **dict.fromkeys(("reviewer", "other_reviewer", "lead", "other_lead"), Redirect("reviews:my_reviews")),
        **dict.fromkeys(("author", "other_author"), Redirect("authors:use_cases")),
    ),
    "manage_home": ADMIN_ONLY,
    "manage_audit": ADMIN_ONLY,
    "manage_audit_download": ADMIN_ONLY,
    "manage_audit_event": ADMIN_ONLY,
    "manage_outbox": ADMIN_ONLY,
    "manage_outbox_message": ADMIN_ONLY,
    "manage_outbox_message_resend": ADMIN_ONLY,
    "manage_outbox_previews": ADMIN_ONLY,
    "manage_outbox_preview": ADMIN_ONLY,
    "accessibility": PUBLIC,
    "favicon": PUBLIC,
    "privacy": PUBLIC,
    "health_check": PUBLIC,
    # Someone signed in already is sent on to the home page.
    "login": access(Redirect("home"), anonymous=200),
    # Signing out is a button (POST); anonymous visitors are asked to sign in first.
    "logout": access(405),
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    # A valid link moves its token into the session and hides it from the address.
    "password_reset_confirm": dict.fromkeys(
        ROLES, Redirect("password_reset_confirm", (("token", "set-password"),), same_kwargs=True)
    ),
    "password_reset_complete": PUBLIC,
    "audiences:invitation_new": ANY_LEAD,
    "audiences:invitation_accept": PUBLIC,
    "accounts:two_factor_settings": TWO_FACTOR_STAFF,
    # Only staff who must use two-factor sign-in set up an app.
    "accounts:two_factor_setup": TWO_FACTOR_STAFF,
    # The code step, for someone past it already (every role here) or who needs none: on to home.
    "accounts:two_factor_verify": access(Redirect("home")),
    # A recovery code is for someone with an app and recovery codes, at the code step: here nobody.
    "accounts:two_factor_recovery": access(Redirect("accounts:two_factor_verify")),
    "accounts:two_factor_recovery_codes_new": post_only(SIGNED_IN),
    "audiences:manage_audiences": ADMIN_ONLY,
    "audiences:manage_audience_add": ADMIN_ONLY,
    "audiences:manage_audience_edit": ADMIN_ONLY,
    "audiences:manage_audience_move": post_only(ADMIN_ONLY),
    "audiences:manage_audience_archive": ADMIN_ONLY,
    "audiences:manage_organisations": ADMIN_ONLY,
    "audiences:manage_organisation_add": ADMIN_ONLY,
    "audiences:manage_organisation_edit": ADMIN_ONLY,
    "audiences:manage_people": ADMIN_ONLY,
    "audiences:manage_staff_invite": ADMIN_ONLY,
    "audiences:manage_staff_invitation_action": post_only(ADMIN_ONLY),
    "audiences:manage_person": ADMIN_ONLY,
    "audiences:manage_person_active": post_only(ADMIN_ONLY),
    "audiences:manage_person_erase": ADMIN_ONLY,
    "audiences:manage_person_two_factor": post_only(ADMIN_ONLY),
    "audiences:organisation_members": LEAD_OF_OWN_ORGANISATION,
    "audiences:organisation_member_role": LEAD_OF_OWN_ORGANISATION,
    "audiences:organisation_member_remove": LEAD_OF_OWN_ORGANISATION,
    "audiences:organisation_invitations": LEAD_OF_OWN_ORGANISATION,
    "audiences:organisation_invitation_action": POST_ONLY_FOR_ALL,
    # How long the session has left, for the review form's timeout warning: anyone signed in.
    "reviews:session_time": SIGNED_IN,
    # The review form's automatic save answers POSTs only.
    "reviews:review_autosave": POST_ONLY_FOR_ALL,
    # Each person's own list of what they are given (empty for people given nothing).
    "reviews:my_reviews": SIGNED_IN,
    "reviews:organisation_reviews": LEAD_OF_OWN_ORGANISATION,
    # The confirmation page, asked for without a member: back to the lead's page.
    "reviews:organisation_remind": access(
        404, **dict.fromkeys(("lead", "admin", "superuser"), Redirect("reviews:organisation_reviews", same_kwargs=True))
    ),
    "reviews:organisation_request": LEAD_OF_OWN_ORGANISATION,
    "reviews:organisation_assignment_reviewers": LEAD_OF_OWN_ORGANISATION,
    "reviews:organisation_interests": LEAD_OF_OWN_ORGANISATION,
    "reviews:organisation_interest_withdraw": LEAD_OF_OWN_ORGANISATION,
    "reviews:use_case": ASSIGNED_TO_ORGANISATION,
    "reviews:review": ASSIGNED_TO_ORGANISATION,
    # Only the reviewer has submitted a review: the others are sent to the review page.
    "reviews:review_submitted": {
        **ASSIGNED_TO_ORGANISATION,
        **dict.fromkeys(("lead", "admin", "superuser"), Redirect("reviews:review", same_kwargs=True)),
    },
    # Check your answers is for a saved draft: the reviewer's is submitted and the lead has none, so
    # both go to the review page; admins see it read only.
    "reviews:review_check": {
        **ASSIGNED_TO_ORGANISATION,
        **dict.fromkeys(("reviewer", "lead"), Redirect("reviews:review", same_kwargs=True)),
    },
    # What changed since the version before (the world's use case has one version: nothing to
    # compare) and carrying verdicts forward: for whoever sees the review form.
    "reviews:review_changes": ASSIGNED_TO_ORGANISATION,
    # The conflict page shows only what the person's own refused save kept: with nothing kept, the form.
    "reviews:review_conflict": {
        **ASSIGNED_TO_ORGANISATION,
        **dict.fromkeys(("reviewer", "lead", "admin", "superuser"), Redirect("reviews:review", same_kwargs=True)),
    },
    # Admins see a read-only page (they never write reviews); the lead has nothing to withdraw.
    "reviews:review_withdraw": {**ASSIGNED_TO_ORGANISATION, "lead": Redirect("reviews:review", same_kwargs=True)},
    # Asking the authors a question goes with writing one's review: members given the use case, in
    # an open round (admins read reviews only).
    "reviews:question_ask": access(404, reviewer=200, lead=200),
    # The reviewer's own question; the lead, who has not submitted, does not see it in this blind round.
    "reviews:question_answer": access(404, reviewer=200),
    # Only a lead declines a use case given to the organisation: a decline speaks for every member.
    "reviews:decline": access(404, lead=200),
    # Any member asks for more time; admins change due dates on the round's pages instead.
    "reviews:more_time": access(404, reviewer=200, lead=200),
    # Only whoever asked for more time cancels the request (the world's was made by the reviewer).
    "reviews:more_time_cancel": access(404, reviewer=200),
    # A personal review link's page (the reviewer's link): its button for its person, a page saying
    # whose it is for anyone else signed in.
    "reviews:review_link": PUBLIC,
    "reviews:organisation_review_links": LEAD_OF_OWN_ORGANISATION,
    # The confirmation pages, for the reviewer of O, who has a live link.
    "reviews:organisation_review_link_send": LEAD_OF_OWN_ORGANISATION,
    "reviews:organisation_review_link_revoke": LEAD_OF_OWN_ORGANISATION,
    "rounds:review_links": ADMIN_ONLY,
    "rounds:review_link_send": ADMIN_ONLY,
    "rounds:review_link_revoke": ADMIN_ONLY,
    "rounds:list": ADMIN_ONLY,
    "rounds:new": ADMIN_ONLY,
    "rounds:detail": ADMIN_ONLY,
    "rounds:settings": ADMIN_ONLY,
    "rounds:flag_rule": ADMIN_ONLY,
    "rounds:versions": ADMIN_ONLY,
    "rounds:versions_add_matching": POST_ONLY_FOR_ALL,
    "rounds:assign": ADMIN_ONLY,
    "rounds:assign_grid": ADMIN_ONLY,
    "rounds:assign_upload": ADMIN_ONLY,
    "rounds:assign_upload_confirm": POST_ONLY_FOR_ALL,
    "rounds:assign_due_dates": ADMIN_ONLY,
    "rounds:version_assignments": ADMIN_ONLY,
    "rounds:organisation_assignments": ADMIN_ONLY,
    "rounds:assignment_due": ADMIN_ONLY,
    "rounds:assignment_reassign": ADMIN_ONLY,
    "rounds:assignment_remove": ADMIN_ONLY,
    # The round is open already: back to its page.
    "rounds:open": access(
        404, admin=Redirect("rounds:detail", same_kwargs=True), superuser=Redirect("rounds:detail", same_kwargs=True)
    ),
    "rounds:progress": ADMIN_ONLY,
    "rounds:request": ADMIN_ONLY,
    "rounds:close": ADMIN_ONLY,
    "rounds:copy": ADMIN_ONLY,
    "rounds:decisions": ADMIN_ONLY,
    "rounds:decision": ADMIN_ONLY,
    "rounds:decision_condition_met": ADMIN_ONLY,
    # The public register: anyone, signed in or not; its management pages, admins; an
    # organisation's agreement to be named, its leads (and admins, who may read it).
    "register:list": PUBLIC,
    "register:feed": PUBLIC,
    "register:entry": PUBLIC,
    "register:manage": ADMIN_ONLY,
    "register:preview": ADMIN_ONLY,
    "register:withdraw": ADMIN_ONLY,
    "register:name_consent": LEAD_OF_OWN_ORGANISATION,
    "interests:list": ADMIN_ONLY,
    "interests:detail": ADMIN_ONLY,
    "interests:withdraw": ADMIN_ONLY,
    # The round is blind: a member who has not submitted a review is told the summary waits (403).
    "matrix:version_summary": {**ASSIGNED_TO_ORGANISATION, "lead": 403},
    "matrix:rounds": ANALYST_ONLY,
    "matrix:round_comparison": ANALYST_ONLY,
    "matrix:reason_responses": ANALYST_ONLY,
    "matrix:round_matrix": ANALYST_ONLY,
    "matrix:round_charts": ANALYST_ONLY,
    "matrix:round_by_audience": ANALYST_ONLY,
    "matrix:cell": ANALYST_ONLY,
    "matrix:export_start": ANALYST_ONLY,
    # The export was asked for by the analyst: only they and programme admins open it.
    "matrix:export_status": access(404, analyst=200, admin=200, superuser=200),
    "matrix:export_download": access(404, analyst=200, admin=200, superuser=200),
    "matrix:api_tokens": ANALYST_ONLY,
    "matrix:api_token_new": ANALYST_ONLY,
    # A token is its owner's (the analyst's) alone.
    "matrix:api_token_revoke": access(404, analyst=200),
    "matrix:api_token_created": access(404, analyst=200),
    "api:rounds": API,
    "api:round": API,
    "api:matrix": API,
    "api:cell": API,
    "api:agreement": API,
    "api:schema": API,
    "api:docs": ANALYST_ONLY,
    "authors:use_cases": ANY_AUTHOR,
    "authors:version": WRITES_THE_USE_CASE,
    "authors:version_compare": access(404, author=200, analyst=200, admin=200, superuser=200),
    "authors:feedback_release": post_only(ADMIN_ONLY),
    "authors:questions": WRITES_THE_USE_CASE,
    # Answering a "does not meet" reason: the World's review says "meets" throughout, in a round still
    # open, so there is no reason to answer (tests/matrix/test_reason_responses.py has the rest).
    "authors:reason_response": access(404),
    "authors:question_answer": WRITES_THE_USE_CASE,
    "usecases:new": ANY_AUTHOR,
    "usecases:party_new": ANY_AUTHOR,
    "usecases:draft": WRITES_THE_USE_CASE,
    "usecases:draft_start": post_only(WRITES_THE_USE_CASE),
    "usecases:draft_section": WRITES_THE_USE_CASE,
    "usecases:draft_hit_dismiss": post_only(WRITES_THE_USE_CASE),
    "usecases:draft_preview": WRITES_THE_USE_CASE,
    "usecases:draft_publish": WRITES_THE_USE_CASE,
    "principles:list": ADMIN_ONLY,
    "principles:add": ADMIN_ONLY,
    "principles:edit": ADMIN_ONLY,
    "language:list": ADMIN_ONLY,
    "language:add": ADMIN_ONLY,
    "language:edit": ADMIN_ONLY,
    "parties:list": ADMIN_ONLY,
    "parties:edit": ADMIN_ONLY,
    "parties:merge": ADMIN_ONLY,
}

# Patterns without a name that no role table applies to, each for a reason (full matches of the
# route). The URLconf has no static or debug patterns: tests run with DEBUG off and WhiteNoise
# serves static files in middleware.
NOT_PAGES = (
    # The Django admin's old-style object address, one per model: a redirect to the named change page.
    r"admin/\w+/\w+/<path:object_id>/",
    # The Django admin's catch-all: a 404, or a redirect to its sign-in page.
    r"admin/\(\?P<url>\.\*\)\$",
)


# What a personal link's session reaches: its round's pages of the reviewer's own reviews (the form,
# checking answers, saving itself, a conflict), their list, keeping the session alive and signing
# out (reviews.link_sessions). There it answers as for the reviewer signed in with a password;
# public pages answer as for them too; every other page asks for a normal sign-in.
LINK_HOLDER_PAGES = {
    "home",
    "logout",
    "reviews:my_reviews",
    "reviews:session_time",
    "reviews:use_case",
    "reviews:review",
    "reviews:review_check",
    "reviews:review_changes",
    "reviews:review_autosave",
    "reviews:review_conflict",
    "reviews:review_submitted",
    "reviews:review_withdraw",
    "reviews:question_ask",
    "reviews:question_answer",
    "matrix:version_summary",
}


def link_holder_expected(name: str):
    if name == "login":
        return 200  # the sign-in form, to sign in in full: not sent home
    table = EXPECTED[name]
    if name in LINK_HOLDER_PAGES or table["anonymous"] != SIGN_IN:
        return table["reviewer"]
    return SIGN_IN


def named_routes():
    """Every named URL pattern; an unnamed one not in NOT_PAGES fails the test that calls it."""
    routes = url_routes()
    unnamed = [
        route.route
        for route in routes
        if route.name is None and not any(re.fullmatch(pattern, route.route) for pattern in NOT_PAGES)
    ]
    assert not unnamed, f"Name these URL patterns, or say in NOT_PAGES why they need no entry: {unnamed}"
    return [route for route in routes if route.name]


class World:
    """Real objects for every URL's kwargs, and the people of ROLES (described beside it): a round
    with a version of audience A given to organisation O, whose reviewer has submitted a review
    and asked for more time; O2 serving audience B, given another version; an export and an API
    token of the analyst's; invitations; an interest O declared; a data party; a draft of the use case's next
    version, written by A's author."""

    def __init__(self):
        self.audience = make_audience(name="People experiencing homelessness")
        self.other_audience = make_audience(name="People who use drugs")
        self.organisation = make_organisation(name="Crisis", audiences=[self.audience])
        self.other_organisation = make_organisation(name="Release", audiences=[self.other_audience])
        self.principle = make_principle(slug="relevant")
        self.lexicon_entry = LexiconEntry.objects.create(
            term="ex-offender", kind="stigmatising", suggestion="prison leaver", source="bold-report"
        )
        self.data_party = DataParty.objects.create(name="Office for National Statistics", kind="public_body")
        self.version = make_version(audience=self.audience)
        other_version = make_version(audience=self.other_audience)
        self.round = make_round(principles=[self.principle, make_principle()], slug="spring")
        self.assignment = make_assignment(
            review_round=self.round,
            version=self.version,
            organisation=self.organisation,
            due_on=datetime.date.today() + datetime.timedelta(days=30),
        )
        make_assignment(review_round=self.round, version=other_version, organisation=self.other_organisation)

        self.people = {
            "reviewer": make_reviewer(organisation=self.organisation),
            "lead": make_lead(organisation=self.organisation),
            "other_reviewer": make_reviewer(organisation=self.other_organisation),
            "other_lead": make_lead(organisation=self.other_organisation),
            "author": make_author(),
            "other_author": make_author(),
            "analyst": make_analyst(),
            "admin": make_admin(),
            "superuser": make_user(is_superuser=True, is_staff=True),
        }
        audience_authors_add(audience=self.audience, users=[self.people["author"]], actor=None)
        audience_authors_add(audience=self.other_audience, users=[self.people["other_author"]], actor=None)
        reviewer, lead, analyst = self.people["reviewer"], self.people["lead"], self.people["analyst"]
        self.membership = Membership.objects.get(user=reviewer)

        submit(reviewer, self.round, self.version, dict.fromkeys(self.round.principles.all(), "meets"))
        matrix_recompute(round_id=self.round.pk)
        self.export = matrix_export_request(review_round=self.round, identifier="csv", user=analyst)
        matrix_export_run(export_id=self.export.pk)
        self.token = api_token_create(owner=analyst, name="Notebook", days=30)[0]
        self.invitation, _ = invitation_create(
            organisation=self.organisation, email="new.member@example.org", role="reviewer", invited_by=lead
        )
        self.staff_invitation, _ = invitation_create(
            organisation=None, email="new.analyst@example.org", role="analyst", invited_by=self.people["admin"]
        )
        self.invitation_token = invitation_create(
            organisation=self.organisation, email="newcomer@example.org", role="reviewer", invited_by=lead
        )[1]
        self.outbox_message = OutboxMessage.objects.order_by("pk").first()  # the invitations' emails
        self.review_link_token = review_link_send(person=reviewer, review_round=self.round, actor=lead)[1]
        self.time_request = assignment_more_time_request(
            assignment=self.assignment,
            due_on=self.assignment.due_on + datetime.timedelta(days=7),
            reason="Our team is away.",
            actor=reviewer,
        )
        # On a use case of the audience that is in no round, so that it takes no assignment away.
        self.interest = interest_declare(
            organisation=self.organisation,
            use_case=make_version(audience=self.audience).use_case,
            reason="We run the service it studies.",
            actor=lead,
        )
        # The reviewer's question to the authors.
        self.question = question_ask(
            review_round=self.round,
            version=self.version,
            principle=self.principle,
            text="Who receives the data?",
            actor=reviewer,
        )
        # A draft of the next version of the use case in the round, for the authoring pages.
        use_case_draft_start(use_case=self.version.use_case, actor=self.people["author"])
        # Someone who never signs in here: signing in would end their link.
        forgetful = make_user()
        self.reset_uid = urlsafe_base64_encode(force_bytes(forgetful.pk))
        self.reset_token = default_token_generator.make_token(forgetful)
        assert self.round.status == ReviewRound.Status.OPEN
        # A closed round with a decision to go ahead with a condition, published on the register.
        decided = make_version(audience=self.audience)
        self.closed_round = make_round(
            principles=[self.principle], versions=[decided], status=ReviewRound.Status.CLOSED, slug="autumn"
        )
        self.decision = decision_record(
            review_round=self.closed_round,
            version=decided,
            outcome="go_ahead_with_conditions",
            reasons="Relevant.",
            conditions=[ConditionInput(principle=self.principle, text="Say who receives the data.")],
            actor=self.people["admin"],
        )
        register_entry_publish(decision=self.decision, actor=self.people["admin"])

    def kwargs(self, name: str, names: tuple[str, ...]) -> dict:
        """Real values for the URL's kwargs: by kwarg name, with per-URL meanings where one name
        stands for different objects."""
        by_name = {
            "round_slug": self.round.slug,
            "use_case_slug": self.version.use_case.slug,
            "number": self.version.number,
            "principle_slug": self.principle.slug,
            "organisation_slug": self.organisation.slug,
            "slug": self.organisation.slug,
            "version_id": self.version.pk,
            "assignment_id": self.assignment.pk,
            "request_id": self.time_request.pk,
            "interest_id": self.interest.pk,
            "question_id": self.question.pk,
            "verdict_id": Verdict.objects.order_by("pk").values_list("pk", flat=True).first(),
            "export_id": self.export.pk,
            "token_id": self.token.pk,
            "identifier": "csv",
            "section": "data-flows",
            "token": self.invitation_token,
            "person_id": self.people["reviewer"].pk,
            "uidb64": self.reset_uid,
        }
        per_url = {
            "password_reset_confirm": {"token": self.reset_token},
            "audiences:manage_audience_edit": {"slug": self.audience.slug},
            "audiences:manage_audience_move": {"slug": self.audience.slug},
            "audiences:manage_audience_archive": {"slug": self.audience.slug},
            "principles:edit": {"slug": self.principle.slug},
            "language:edit": {"pk": self.lexicon_entry.pk},
            "parties:edit": {"pk": self.data_party.pk},
            "parties:merge": {"pk": self.data_party.pk},
            "audiences:manage_staff_invitation_action": {"pk": self.staff_invitation.pk},
            "audiences:organisation_invitation_action": {"pk": self.invitation.pk},
            "audiences:organisation_member_role": {"pk": self.membership.pk},
            "audiences:organisation_member_remove": {"pk": self.membership.pk},
            "reviews:review_link": {"token": self.review_link_token},
            "manage_audit_event": {"pk": AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first()},
            "manage_outbox_message": {"pk": self.outbox_message.pk},
            "manage_outbox_message_resend": {"pk": self.outbox_message.pk},
            "manage_outbox_preview": {"kind": "request_arrived"},
            **{
                name: {
                    "round_slug": self.closed_round.slug,
                    "version_id": self.decision.round_version.version_id,
                    "condition_id": self.decision.conditions.get().pk,
                }
                for name in ("rounds:decisions", "rounds:decision", "rounds:decision_condition_met")
            },
            **{
                name: {"use_case_slug": self.decision.round_version.version.use_case.slug}
                for name in ("register:entry", "register:withdraw")
            },
            "register:preview": {"decision_id": self.decision.pk},
        }
        person_pages = {"manage_person", "manage_person_active", "manage_person_erase", "manage_person_two_factor"}
        if name.removeprefix("audiences:") in person_pages:
            per_url[name] = {"pk": self.people["reviewer"].pk}
        values = {**by_name, **per_url.get(name, {})}
        missing = [kwarg for kwarg in names if kwarg not in values]
        assert not missing, f"{name}: say which object its {missing} stand for in World.kwargs"
        return {kwarg: values[kwarg] for kwarg in names}

    def admin_kwargs(self, name: str, names: tuple[str, ...]) -> dict:
        """An admin URL's kwargs: a row of the model it is about (a missing id where the table is
        empty, which the admin answers with a redirect to its index)."""
        values = {"app_label": "reviews", "content_type_id": ContentType.objects.get_for_model(ReviewRound).pk}
        if "object_id" in names or "pk" in names:
            model = _admin_model(name)
            row = model._default_manager.order_by("pk").first() if model else self.round
            values["object_id"] = values["pk"] = row.pk if row else 0
        if name == "admin:view_on_site":
            values["object_id"] = self.round.pk
        return {kwarg: values[kwarg] for kwarg in names}


def _admin_model(name: str):
    """The model an admin URL name such as admin:reviews_review_change is about, if any."""
    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def admin_expected(name: str, role: str, superuser, kwargs: dict):
    """The Django admin is for superusers only (bold_portal/admin.py). Everyone else is sent to its
    sign-in page (anonymous visitors to a model's pages: to the portal's, like everywhere else; its
    logout address sends people signed in to its index first); that page shows to anyone not a
    superuser. A superuser gets each page, or: a 403 where a read-only model admin refuses
    adding or deleting (whether the row exists or not), a redirect to the index for a row that does
    not exist, a 405 for logging out with GET."""
    if role != "superuser":
        if name == "admin:login":
            return 200
        if role == "link_holder":
            return SIGN_IN  # a personal link's session reaches none of it (link_holder_expected)
        if name == "admin:logout":
            return Redirect("admin:login") if role == "anonymous" else Redirect("admin:index")
        if role == "anonymous" and _admin_model(name):
            return SIGN_IN  # the login middleware stops them before the model admin's own check
        return Redirect("admin:login")
    by_name = {
        "admin:login": Redirect("admin:index"),
        "admin:logout": 405,
        # Without the query its widgets send (which model and field), the admin refuses.
        "admin:autocomplete": 403,
        # Rounds have no public address to show.
        "admin:view_on_site": 404,
    }
    if name in by_name:
        return by_name[name]
    model = _admin_model(name)
    if model is None:
        return 200
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    if name.endswith("_add"):
        return 200 if model_admin.has_add_permission(request) else 403
    # The delete page asks for the permission before it looks for the row.
    if name.endswith("_delete") and not model_admin.has_delete_permission(request):
        return 403
    object_id = kwargs.get("object_id", kwargs.get("pk"))
    if object_id is not None and not model._default_manager.filter(pk=object_id).exists():
        return Redirect("admin:index")
    return 200


def _describe(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} to {response['Location']}"
    return str(response.status_code)


def _matches(expected, response, url_kwargs: dict) -> bool:
    if isinstance(expected, Redirect):
        return expected.matches(response, url_kwargs)
    return response.status_code == expected


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The World, built once per test process for the tests below: each test runs in a savepoint
    inside this transaction, so whatever its requests write is rolled back and the next test finds
    the World as it was built."""
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock(), transaction.atomic():
        yield World()
        transaction.set_rollback(True)


def test_every_url_has_an_entry_in_the_table():
    routes = named_routes()
    portal = {route.name for route in routes if not route.name.startswith("admin:")}
    new, gone = sorted(portal - EXPECTED.keys()), sorted(EXPECTED.keys() - portal)
    assert not new, f"Say in EXPECTED who may open each new URL: {', '.join(new)}"
    assert not gone, f"EXPECTED names URLs the URLconf no longer has: {', '.join(gone)}"


# One test per role, so that test processes (pytest-xdist) share the walk. The walk takes about
# 10 CPU-seconds, so it is left out of the everyday loop; the table check above stays in it.
@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_the_role_as_expected(world, role):
    client = Client()
    if role == "link_holder":
        client.post(reverse("reviews:review_link", args=[world.review_link_token]))
    elif role != "anonymous":
        client.force_login(world.people[role])

    mismatches = []
    for route in named_routes():
        is_admin_page = route.name.startswith("admin:")
        if is_admin_page:
            kwargs = world.admin_kwargs(route.name, route.kwargs)
            expected = admin_expected(route.name, role, world.people["superuser"], kwargs)
        elif route.name not in EXPECTED:
            mismatches.append(f"{route.name}: say in EXPECTED who may open it")
            continue
        else:
            kwargs = world.kwargs(route.name, route.kwargs)
            expected = link_holder_expected(route.name) if role == "link_holder" else EXPECTED[route.name][role]
        url = reverse(route.name, kwargs=kwargs)
        response = client.get(url)
        if not _matches(expected, response, kwargs):
            mismatches.append(f"{route.name} ({url}) as {role}: expected {expected}, got {_describe(response)}")
    assert not mismatches, f"{len(mismatches)} answers differ:\n" + "\n".join(mismatches)
