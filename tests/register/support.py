"""A closed round with decided use cases, for the register's tests: one to go ahead with a
condition, one to go ahead, one stopped; reviewed by two organisations."""

from audiences.models import Membership
from matrix.services.recompute import matrix_recompute
from reviews.services.decisions import ConditionInput, decision_record
from tests.factories import (
    close_round,
    make_admin,
    make_assignment,
    make_audience,
    make_organisation,
    make_principle,
    make_reviewer,
    make_round,
    make_version,
)
from tests.matrix.analyst_support import submit

ADMIN_PASSWORD = "correct-horse-battery"


class RegisterWorld:
    def __init__(self, *, decide: bool = True):
        self.audience = make_audience(name="Prison leavers", description="People leaving prison.")
        self.crisis = make_organisation(name="Crisis", audiences=[self.audience])
        self.nacro = make_organisation(name="Nacro", audiences=[self.audience])
        self.relevant = make_principle(name="Relevant", slug="relevant", order=1)
        self.clear = make_principle(name="Clear and informative", slug="clear", order=2)
        self.first = make_version(audience=self.audience, title="Housing after prison: first draft")
        self.version = make_version(
            use_case=self.first.use_case,
            number=2,
            title="Housing after prison",
            impact_statement="Find out which help keeps prison leavers housed.",
            change_summary="We now say who receives the data.",
            data_flows=[{"information": "Housing status", "from": "Councils", "to": "BOLD analysts"}],
            will_do="Use anonymised data only",
            wont_do="Make decisions about individuals",
        )
        self.plain = make_version(audience=self.audience, title="Support after release")
        self.stopped = make_version(audience=self.audience, title="Stopped use case")
        self.round = make_round(principles=[self.relevant, self.clear], name="Spring review", slug="spring")
        self.crisis_reviewer = make_reviewer(organisation=self.crisis, full_name="Ada Reviewer")
        self.nacro_reviewer = make_reviewer(organisation=self.nacro, full_name="Ben Reviewer")
        self.crisis_lead = make_reviewer(organisation=self.crisis, role=Membership.Role.LEAD, full_name="Cat Lead")
        for version in (self.version, self.plain, self.stopped):
            for organisation in (self.crisis, self.nacro):
                make_assignment(review_round=self.round, version=version, organisation=organisation)
            submit(
                self.crisis_reviewer,
                self.round,
                version,
                {self.relevant: "meets", self.clear: ("does_not_meet", "Secret reason from Crisis", "", "")},
            )
            submit(self.nacro_reviewer, self.round, version, {self.relevant: "meets", self.clear: "meets"})
        self.round = close_round(self.round)
        matrix_recompute(round_id=self.round.pk)
        self.admin = make_admin(full_name="Priya Decider", password=ADMIN_PASSWORD)
        if decide:
            self.decide()

    def decide(self):
        self.decision = decision_record(
            review_round=self.round,
            version=self.version,
            outcome="go_ahead_with_conditions",
            reasons="Relevant to prison leavers; one part must be clearer.",
            conditions=[ConditionInput(principle=self.clear, text="Say who receives the data.")],
            actor=self.admin,
        )
        self.plain_decision = decision_record(
            review_round=self.round,
            version=self.plain,
            outcome="go_ahead",
            reasons="Clear and relevant.",
            actor=self.admin,
        )
        self.stop_decision = decision_record(
            review_round=self.round, version=self.stopped, outcome="stop", reasons="Not relevant.", actor=self.admin
        )
