"""Carrying a reviewer's verdicts forward from their review of an earlier version of a use case
(docs/reviewer-journey.md, "A new version of a use case you reviewed"): only for principles whose
sections did not change, always recorded as carried, refused with a clear message otherwise."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bold_portal.models import AuditEvent
from reviews.models import Review, Verdict
from reviews.services.carry import review_carry
from reviews.services.reviews import ReviewBusy, ReviewConflict, VerdictInput, review_save
from tests.concurrency import STEP_SECONDS, Step, require_postgresql
from tests.factories import close_round, make_assignment, make_organisation, make_principle, make_round, make_version
from tests.matrix.analyst_support import make_reviewer, submit

pytestmark = pytest.mark.django_db


class World:
    """Version 1 reviewed in a closed round; version 2 changes its data flows only, in an open round."""

    def __init__(self):
        self.organisation = make_organisation()
        self.impact = make_principle(name="Impact first", slug="impact-first", reads_sections=["impact_statement"])
        self.flows = make_principle(name="Flows clear", slug="flows-clear", reads_sections=["data_flows"])
        self.whole = make_principle(name="Whole text", slug="whole-text", reads_sections=[])
        self.principles = [self.impact, self.flows, self.whole]
        self.v1 = make_version()
        self.use_case = self.v1.use_case
        self.reviewer = make_reviewer(organisation=self.organisation)
        self.round1 = make_round(principles=self.principles)
        make_assignment(review_round=self.round1, version=self.v1, organisation=self.organisation)
        submit(
            self.reviewer,
            self.round1,
            self.v1,
            {
                self.impact: ("not_sure", "Whose impact?", "Paragraph 2", "Say who benefits."),
                self.flows: "meets",
                self.whole: "meets",
            },
        )
        close_round(self.round1)
        self.v2 = self.next_version(self.v1, number=2, data_flows=[{"information": "Rent", "from": "A", "to": "B"}])
        self.round2 = make_round(principles=self.principles)
        make_assignment(review_round=self.round2, version=self.v2, organisation=self.organisation)

    def next_version(self, earlier, *, number, **changes):
        fields = {
            name: getattr(earlier, name)
            for name in ("title", "impact_statement", "research_questions", "data_flows", "will_do", "wont_do")
        }
        return make_version(use_case=self.use_case, number=number, **{**fields, **changes})

    def earlier_verdict(self, principle, version=None):
        return Verdict.objects.get(
            review__version=version or self.v1, review__reviewer=self.reviewer, principle=principle
        )

    def carry(self, principles, *, review_round=None, version=None, lock=0):
        return review_carry(
            reviewer=self.reviewer,
            review_round=review_round or self.round2,
            version=version or self.v2,
            principle_ids=[p.pk for p in principles],
            expected_lock_version=lock,
            organisation=self.organisation,
        )


@pytest.fixture
def world():
    return World()


def test_an_unchanged_principle_is_carried_with_its_words_and_marked_as_carried(world):
    review = world.carry([world.impact])
    assert review.status == Review.Status.DRAFT
    carried = review.verdicts.get(principle=world.impact)
    source = world.earlier_verdict(world.impact)
    assert carried.carried_from == source
    assert (carried.verdict, carried.reason, carried.evidence, carried.suggested_rewording) == (
        "not_sure",
        "Whose impact?",
        "Paragraph 2",
        "Say who benefits.",
    )
    assert review.verdicts.get(principle=world.flows).carried_from is None
    event = AuditEvent.objects.filter(action="review_draft_saved").latest("pk")
    assert event.data["carried_forward"] == {"impact-first": source.pk}


def test_a_principle_whose_sections_changed_cannot_be_carried(world):
    with pytest.raises(ValidationError) as error:
        world.carry([world.flows])
    assert error.value.message_dict["flows-clear"] == [
        "Your verdict on Flows clear cannot be carried forward: Data flows changed since version 1. "
        "Read the changes and give your verdict again."
    ]
    assert not Review.objects.filter(round=world.round2).exists()


def test_a_principle_naming_no_section_reads_the_whole_text(world):
    with pytest.raises(ValidationError) as error:
        world.carry([world.whole])
    assert "Data flows changed since version 1" in error.value.message_dict["whole-text"][0]


def test_a_carried_verdict_whose_section_then_changes_can_no_longer_be_carried(world):
    review = world.carry([world.impact])
    review = review_save(
        reviewer=world.reviewer,
        review_round=world.round2,
        version=world.v2,
        verdicts=[
            VerdictInput(
                principle_id=world.impact.pk,
                verdict="not_sure",
                reason="Whose impact?",
                evidence="Paragraph 2",
                suggested_rewording="Say who benefits.",
            ),
            VerdictInput(principle_id=world.flows.pk, verdict="meets"),
            VerdictInput(principle_id=world.whole.pk, verdict="meets"),
        ],
        overall_comment="",
        expected_lock_version=review.lock_version,
        submit=True,
    )
    # Submitted with its answers unchanged, the verdict on version 2 is still the carried one.
    assert review.verdicts.get(principle=world.impact).carried_from == world.earlier_verdict(world.impact)
    v3 = world.next_version(world.v2, number=3, impact_statement="A new impact statement.")
    round3 = make_round(principles=world.principles)
    make_assignment(review_round=round3, version=v3, organisation=world.organisation)
    with pytest.raises(ValidationError) as error:
        world.carry([world.impact], review_round=round3, version=v3)
    assert "Why this matters to the audience changed since version 2" in error.value.message_dict["impact-first"][0]
    # Nor through the save service with the version 1 verdict (its section changed since too).
    with pytest.raises(ValidationError):
        review_save(
            reviewer=world.reviewer,
            review_round=round3,
            version=v3,
            verdicts=[
                VerdictInput(principle_id=world.impact.pk, carried_from_id=world.earlier_verdict(world.impact).pk)
            ],
            overall_comment="",
            expected_lock_version=0,
            submit=False,
        )
    assert not Review.objects.filter(round=round3).exists()


def test_a_carried_verdict_carried_again_when_its_section_still_has_not_changed(world):
    world.carry([world.impact])
    own = Review.objects.get(round=world.round2, reviewer=world.reviewer)
    review_save(
        reviewer=world.reviewer,
        review_round=world.round2,
        version=world.v2,
        verdicts=[
            VerdictInput(principle_id=world.impact.pk, carried_from_id=world.earlier_verdict(world.impact).pk),
            VerdictInput(principle_id=world.flows.pk, verdict="meets"),
            VerdictInput(principle_id=world.whole.pk, verdict="meets"),
        ],
        overall_comment="",
        expected_lock_version=own.lock_version,
        submit=True,
    )
    v3 = world.next_version(world.v2, number=3, title=world.v2.title)
    round3 = make_round(principles=world.principles)
    make_assignment(review_round=round3, version=v3, organisation=world.organisation)
    review = world.carry([world.impact, world.flows, world.whole], review_round=round3, version=v3)
    carried = {v.principle_id: v.carried_from for v in review.verdicts.all()}
    assert carried[world.impact.pk] == world.earlier_verdict(world.impact, world.v2)
    assert carried[world.impact.pk].carried_from == world.earlier_verdict(world.impact)


def test_changing_a_carried_verdict_makes_it_the_reviewers_own_and_saving_it_unchanged_keeps_it(world):
    review = world.carry([world.impact])
    same = VerdictInput(
        principle_id=world.impact.pk,
        verdict="not_sure",
        reason="Whose impact?",
        evidence="Paragraph 2",
        suggested_rewording="Say who benefits.",
    )
    review = review_save(
        reviewer=world.reviewer,
        review_round=world.round2,
        version=world.v2,
        verdicts=[same],
        overall_comment="",
        expected_lock_version=review.lock_version,
        submit=False,
    )
    assert review.verdicts.get(principle=world.impact).carried_from_id is not None
    changed = VerdictInput(principle_id=world.impact.pk, verdict="not_sure", reason="Whose impact, exactly?")
    review = review_save(
        reviewer=world.reviewer,
        review_round=world.round2,
        version=world.v2,
        verdicts=[changed],
        overall_comment="",
        expected_lock_version=review.lock_version,
        submit=False,
    )
    assert review.verdicts.get(principle=world.impact).carried_from_id is None


def test_carrying_into_a_submitted_review_submits_it_again(world):
    submit(world.reviewer, world.round2, world.v2, dict.fromkeys(world.principles, "meets"))
    own = Review.objects.get(round=world.round2, reviewer=world.reviewer)
    review = world.carry([world.impact], lock=own.lock_version)
    assert review.status == Review.Status.SUBMITTED
    assert review.verdicts.get(principle=world.impact).verdict == "not_sure"
    assert review.verdicts.get(principle=world.flows).verdict == "meets"
    assert AuditEvent.objects.filter(action="review_changed").latest("pk").data["carried_forward"]


@pytest.mark.parametrize(
    "whose",
    ["someone_else", "other_principle", "later_version", "draft"],
)
def test_a_verdict_that_is_not_the_reviewers_earlier_submitted_one_is_refused(world, whose):
    other = make_reviewer(organisation=world.organisation)
    if whose == "someone_else":
        review = Review.objects.create(
            round=world.round2, version=world.v2, reviewer=other, status=Review.Status.DRAFT, lock_version=1
        )
        source = Verdict.objects.create(review=review, principle=world.impact, verdict="meets")
    elif whose == "other_principle":
        source = world.earlier_verdict(world.flows)
    elif whose == "later_version":
        v3 = world.next_version(world.v2, number=3)
        round3 = make_round(principles=world.principles)
        source = Verdict.objects.create(
            review=Review.objects.create(round=round3, version=v3, reviewer=world.reviewer, lock_version=1),
            principle=world.impact,
            verdict="meets",
        )
    else:
        round3 = make_round(principles=world.principles, versions=[world.v1])
        source = Verdict.objects.create(
            review=Review.objects.create(round=round3, version=world.v1, reviewer=world.reviewer, lock_version=1),
            principle=world.impact,
            verdict="meets",
        )
    with pytest.raises(ValidationError) as error:
        review_save(
            reviewer=world.reviewer,
            review_round=world.round2,
            version=world.v2,
            verdicts=[VerdictInput(principle_id=world.impact.pk, verdict="meets", carried_from_id=source.pk)],
            overall_comment="",
            expected_lock_version=0,
            submit=False,
        )
    assert "Impact first" in error.value.message_dict["impact-first"][0]
    assert not Review.objects.filter(round=world.round2, reviewer=world.reviewer).exists()


def test_bad_input_to_the_carry_service(world):
    with pytest.raises(ValidationError, match="Choose at least one principle"):
        world.carry([])
    with pytest.raises(ValidationError, match="not part of this round"):
        world.carry([make_principle()])
    newcomer = make_reviewer(organisation=world.organisation)
    with pytest.raises(ValidationError, match="nothing to carry forward"):
        review_carry(
            reviewer=newcomer,
            review_round=world.round2,
            version=world.v2,
            principle_ids=[world.impact.pk],
            expected_lock_version=0,
        )
    world.carry([world.impact])
    with pytest.raises(ReviewConflict):
        world.carry([world.impact], lock=0)


def test_the_database_refuses_a_verdict_carried_from_itself_or_without_an_answer(world):
    source = world.earlier_verdict(world.impact)

    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.filter(pk=source.pk).update(carried_from=source)
    other = world.earlier_verdict(world.flows)
    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.filter(pk=other.pk).update(carried_from=source, verdict="")


# The pages.


def page_url(world, name="reviews:review_changes", version=None, review_round=None):
    version = version or world.v2
    return reverse(name, args=[(review_round or world.round2).slug, world.use_case.slug, version.number])


def test_the_review_form_links_to_what_changed_since_the_version_reviewed(client, world):
    client.force_login(world.reviewer)
    page = client.get(page_url(world, "reviews:review")).content.decode()
    assert "What changed since you reviewed version 1" in page
    assert page_url(world) in page


def test_the_review_form_of_a_reviewer_new_to_the_use_case_links_to_the_version_before(client, world):
    newcomer = make_reviewer(organisation=world.organisation)
    client.force_login(newcomer)
    page = client.get(page_url(world, "reviews:review")).content.decode()
    assert "What changed since version 1" in page
    changes = client.get(page_url(world)).content.decode()
    assert "Carry your verdicts forward" not in changes
    assert "Data flows: <strong>changed</strong>" in changes


def test_the_changes_page_shows_the_diff_and_which_verdicts_can_be_carried(client, world):
    client.force_login(world.reviewer)
    response = client.get(page_url(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>What changed since you reviewed version 1" in page
    assert 'data-carry-choice="impact-first"' in page
    assert 'data-carry-choice="flows-clear"' not in page
    assert 'data-cannot-carry="flows-clear"' in page
    assert "Flows clear: changed: Data flows" in page
    assert "<ins>" in page and "[+" in page


def test_carrying_through_the_page(client, world):
    client.force_login(world.reviewer)
    response = client.post(page_url(world), {"principles": ["impact-first"], "lock_version": "0", "action": "chosen"})
    assert response.status_code == 302
    assert response["Location"] == page_url(world, "reviews:review")
    page = client.get(response["Location"]).content.decode()
    assert "were carried forward from version 1" in page
    assert "data-carried-note" in page
    assert Verdict.objects.get(review__round=world.round2, principle=world.impact).carried_from is not None


def test_carry_every_verdict_that_can_be(client, world):
    client.force_login(world.reviewer)
    response = client.post(page_url(world), {"lock_version": "0", "action": "all"})
    assert response.status_code == 302
    carried = Verdict.objects.filter(review__round=world.round2, carried_from__isnull=False)
    assert [v.principle for v in carried] == [world.impact]


@pytest.mark.parametrize(
    ("data", "message", "status"),
    [
        ({"lock_version": "0", "action": "chosen"}, "Choose at least one principle whose verdict", 400),
        ({"principles": ["nonsense"], "lock_version": "0"}, "nonsense is not one of this round", 400),
        ({"principles": ["impact-first"], "lock_version": "x"}, "The form is out of date", 400),
        ({"principles": ["impact-first"], "lock_version": "5"}, "changed in another tab", 409),
        # A page tampered with to carry a principle whose sections changed: the service refuses.
        ({"principles": ["flows-clear"], "lock_version": "0"}, "Data flows changed since version 1", 400),
    ],
)
def test_bad_input_on_the_changes_page_changes_nothing(client, world, data, message, status):
    client.force_login(world.reviewer)
    response = client.post(page_url(world), data)
    page = response.content.decode()
    assert response.status_code == status
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert message in page
    assert not Review.objects.filter(round=world.round2).exists()


def test_the_changes_page_of_a_first_version_says_there_is_nothing_to_compare(client, world):
    round3 = make_round(principles=world.principles)
    make_assignment(review_round=round3, version=world.v1, organisation=world.organisation)
    client.force_login(world.reviewer)
    page = client.get(page_url(world, version=world.v1, review_round=round3)).content.decode()
    assert "there is nothing to compare it with" in page
    form = client.get(page_url(world, "reviews:review", version=world.v1, review_round=round3)).content.decode()
    assert "data-changes-link" not in form


# Carrying is a save: two tabs racing, each on a PostgreSQL connection of its own.


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_carry_racing_another_save_of_the_same_review_ends_in_one_success_and_conflicts():
    require_postgresql("A carry racing a save (row locks on several connections)")
    world = World()
    start = threading.Barrier(4, timeout=STEP_SECONDS)

    def carrying():
        start.wait()
        return world.carry([world.impact])

    def saving():
        start.wait()
        return review_save(
            reviewer=world.reviewer,
            review_round=world.round2,
            version=world.v2,
            verdicts=[VerdictInput(principle_id=world.impact.pk, verdict="meets")],
            overall_comment="Typed in another tab.",
            expected_lock_version=0,
            submit=False,
        )

    steps = [Step("carry 1", carrying), Step("carry 2", carrying), Step("save", saving)]
    for step in steps:
        step.start()
    start.wait()
    results = []
    for step in steps:
        try:
            results.append(step.outcome())
        except (ReviewConflict, ReviewBusy) as error:
            results.append(error)
    winners = [(step.name, result) for step, result in zip(steps, results, strict=True) if isinstance(result, Review)]
    assert len(winners) == 1, results
    assert all(isinstance(result, (Review, ReviewConflict)) for result in results), results
    review = Review.objects.get(round=world.round2, reviewer=world.reviewer)
    assert review.lock_version == 1
    verdict = review.verdicts.get(principle=world.impact)
    if winners[0][0] == "save":
        assert (verdict.verdict, verdict.carried_from_id, review.overall_comment) == (
            "meets",
            None,
            "Typed in another tab.",
        )
    else:
        assert verdict.carried_from == world.earlier_verdict(world.impact)
    assert AuditEvent.objects.filter(action="review_draft_saved").count() == 1


def test_the_changes_page_makes_the_same_queries_however_many_principles(client, world):
    client.force_login(world.reviewer)
    world.carry([world.impact])
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url(world)).status_code == 200
    world.round2.principles.add(*(make_principle(reads_sections=["title"]) for _ in range(4)))
    with CaptureQueriesContext(connection) as many:
        assert client.get(page_url(world)).status_code == 200
    assert len(many) == len(few)
