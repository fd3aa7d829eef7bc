"""The API's response shapes: the OpenAPI schema is made from them, and every answer is rendered
through them, from what matrix.selectors return (the same objects the analysts' pages show), so
the schema and the answers cannot drift apart. Nothing here reads the database or writes anything.

Dates and times are handed to the JSON renderer as they are (format=None), so that they read as
the rest of the portal's JSON does (ISO 8601, UTC as "Z")."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from principles.rule import OUTCOMES


# A shape whose answers list their keys in answer_order where that differs from the order
# the fields are declared in (and so listed in the schema): a field shared with another shape
# comes first in the schema, but where the answers have always had it.
class AnswerSerializer(serializers.Serializer):
    answer_order: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.answer_order:
            return data
        return {key: data[key] for key in self.answer_order}


# A reviewer's number within the use case version, as "Reviewer N".
class PseudonymField(serializers.CharField):
    def to_representation(self, value) -> str:
        return f"Reviewer {value}"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class FieldErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per query parameter, what is wrong with it and what to send instead.",
    )


class PageSerializer(AnswerSerializer):
    """What every paginated answer starts with."""

    count = serializers.IntegerField(help_text="How many items there are on every page together.")
    next = serializers.CharField(allow_null=True, help_text="The next page's address, or null on the last page.")
    previous = serializers.CharField(allow_null=True, help_text="The previous page's address, or null.")


class RuleSerializer(AnswerSerializer):
    threshold = serializers.FloatField(help_text="A tick needs more than this share of reviewers who decided.")
    min_reviews = serializers.IntegerField(help_text="Fewer reviews than this give 'insufficient'.")


# A round (matrix.selectors.RoundSummary).
class RoundSerializer(RuleSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["draft", "open", "closed"])
    opens_on = serializers.DateField(allow_null=True, format=None)
    closes_on = serializers.DateField(allow_null=True, format=None)
    closed_on = serializers.DateField(allow_null=True, format=None)
    use_cases = serializers.IntegerField(help_text="How many use case versions the round reviews.")
    submitted = serializers.IntegerField(help_text="Reviews submitted.")
    expected = serializers.IntegerField(help_text="Reviews expected from the round's assignments.")

    answer_order = (
        "slug",
        "name",
        "status",
        "threshold",
        "min_reviews",
        "opens_on",
        "closes_on",
        "closed_on",
        "use_cases",
        "submitted",
        "expected",
    )


class RoundPageSerializer(PageSerializer):
    results = RoundSerializer(many=True)


class PrincipleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


# A condition of a decision, and whether a later version met it.
class DecisionConditionSerializer(serializers.Serializer):
    principle = serializers.CharField(help_text="The principle's slug.")
    condition = serializers.CharField()
    met = serializers.BooleanField()
    met_in_version = serializers.IntegerField(allow_null=True, help_text="The version that met it, if one has.")


# The programme's decision on one use case version after the round (reviews.selectors.decisions.decision_record).
class DecisionSerializer(serializers.Serializer):
    use_case = serializers.CharField()
    version = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=["go_ahead", "go_ahead_with_conditions", "revise", "stop"])
    decision_in_words = serializers.CharField()
    reasons = serializers.CharField()
    decided_on = serializers.CharField(help_text="When, as an ISO 8601 date and time.")
    conditions = DecisionConditionSerializer(many=True)


# A round with its principles (matrix.api.views.RoundDetailAnswer).
class RoundDetailSerializer(RoundSerializer):
    principles = PrincipleSerializer(many=True)
    computed_at = serializers.DateTimeField(
        allow_null=True, format=None, source="state.computed_at", help_text="When the matrix was last computed."
    )
    is_updating = serializers.BooleanField(
        source="state.is_updating", help_text="Reviews changed since: a recompute is on its way."
    )

    decisions = DecisionSerializer(many=True, help_text="The programme's decisions once the round has closed.")

    answer_order = (*RoundSerializer.answer_order, "principles", "computed_at", "is_updating", "decisions")


# An audience, in every answer that names one: its slug (as the filters take it) and its name.
class AudienceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


# The outcomes one reviewer changing their mind would give a cell, in the order of OUTCOMES (as
# the JSON export lists them); empty: not fragile.
class WouldBecomeField(serializers.ListField):
    child = serializers.ChoiceField(choices=list(OUTCOMES))

    def to_representation(self, data) -> list[str]:
        return [outcome for outcome in OUTCOMES if outcome in data]


FRAGILE_HELP = "Whether one reviewer changing their mind would change the outcome."
WOULD_BECOME_HELP = "The outcomes one reviewer changing their mind would give; empty when not fragile."
INTEREST_HELP = (
    "Whether a review from an organisation that declared an interest in the use case counts here (never "
    "which organisation); null until the round has closed, as in the exports."
)


# A mark that is published only once the round has closed: null before, as in the exports.
@extend_schema_field({"type": "boolean", "nullable": True})
class PublishedMarkField(serializers.Field):
    def __init__(self, *, mark: str, **kwargs):
        self.mark = mark
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> bool | None:
        return getattr(value, self.mark) is not None if value.groups_published else None


# One cell of a matrix row (matrix.selectors.MatrixCellView).
class CellSerializer(serializers.Serializer):
    principle = serializers.CharField(source="principle.slug", help_text="The principle's slug.")
    outcome = serializers.ChoiceField(source="cell.outcome", choices=list(OUTCOMES))
    meets = serializers.IntegerField(source="cell.meets")
    does_not_meet = serializers.IntegerField(source="cell.does_not_meet")
    not_sure = serializers.IntegerField(source="cell.not_sure")
    fragile = serializers.BooleanField(source="would_become", help_text=FRAGILE_HELP)
    would_become = WouldBecomeField(help_text=WOULD_BECOME_HELP)
    carried = serializers.IntegerField(
        source="cell.carried",
        help_text="How many of the counted verdicts were carried forward unchanged from the reviewer's verdict on "
        "an earlier version of the use case, because the sections the principle reads did not change.",
    )


# A use case version's row: {"group": its audience group, "row": matrix.selectors.MatrixUseCaseRow,
# "declared_interest", "flagged"} (matrix.api.views.matrix_rows).
class MatrixRowSerializer(serializers.Serializer):
    audience = AudienceSerializer(source="group")
    use_case = serializers.CharField(source="row.use_case_slug", help_text="The use case's slug.")
    title = serializers.CharField(source="row.title")
    version = serializers.IntegerField(source="row.number")
    cells = CellSerializer(many=True, source="row.cells")
    is_updating = serializers.BooleanField(
        source="row.is_updating",
        help_text="Reviews of this version changed since its cells were computed: their outcomes and counts are "
        "the last computed, not current, until a recompute (seconds away) brings them up to date.",
    )
    declared_interest = serializers.BooleanField(allow_null=True, help_text=INTEREST_HELP)
    flagged = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="The principles (slugs) whose cell the round's flag rule flags for discussion (never which "
        "audience); null until the round has closed, as in the exports.",
    )


# A page of a round's matrix, with the round, its principles' slugs and the matrix's state.
class MatrixPageSerializer(PageSerializer):
    round = serializers.CharField(source="review_round.slug")
    principles = serializers.ListField(child=serializers.CharField(), help_text="The round's principles, in order.")
    computed_at = serializers.DateTimeField(allow_null=True, format=None, source="state.computed_at")
    is_updating = serializers.BooleanField(source="state.is_updating")
    results = MatrixRowSerializer(many=True)

    answer_order = ("round", "principles", "computed_at", "is_updating", "count", "next", "previous", "results")


# One submitted verdict, pseudonymised (matrix.selectors.CellVerdict).
class VerdictSerializer(serializers.Serializer):
    reviewer = PseudonymField(
        source="pseudonym",
        help_text="'Reviewer N': numbered within the use case version, the same on each of its principles.",
    )
    verdict = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(allow_blank=True)
    suggested_rewording = serializers.CharField(allow_blank=True)
    carried_from_version = serializers.IntegerField(
        allow_null=True,
        help_text="For a verdict carried forward unchanged from the reviewer's verdict on an earlier version (the "
        "sections the principle reads did not change), that version's number; null for a verdict given on this one.",
    )


# One block of a cell's breakdown by organisation (matrix.disclosure.OrganisationGroup).
class OrganisationGroupSerializer(serializers.Serializer):
    organisation = serializers.CharField(
        source="name",
        allow_null=True,
        help_text="null: other organisations together (those with fewer reviewers of the use case than the "
        "minimum, and, when they come to fewer than the minimum, the smallest named organisation).",
    )
    reviewers = serializers.IntegerField(help_text="Reviews of the use case version from the group.")
    meets = serializers.IntegerField()
    does_not_meet = serializers.IntegerField()
    not_sure = serializers.IntegerField()


# Why a cell has its outcome (matrix.selectors.CellDetail, as the cell page shows it).
class CellDetailSerializer(serializers.Serializer):
    round = serializers.CharField(source="review_round.slug")
    audience = AudienceSerializer()
    use_case = serializers.CharField(source="use_case_slug")
    version = serializers.IntegerField(source="number")
    title = serializers.CharField()
    principle = PrincipleSerializer()
    outcome = serializers.ChoiceField(source="cell.outcome", choices=list(OUTCOMES))
    meets = serializers.IntegerField(source="cell.meets")
    does_not_meet = serializers.IntegerField(source="cell.does_not_meet")
    not_sure = serializers.IntegerField(source="cell.not_sure")
    rule_in_words = serializers.CharField()
    verdicts = VerdictSerializer(many=True)
    organisations = OrganisationGroupSerializer(
        source="organisation_groups",
        many=True,
        allow_null=True,
        help_text="By the reviewers' organisation, in groups of at least anonymity_min_group reviewers of "
        "the use case, naming an organisation only when it is a group on its own; null until the round has "
        "closed, and when the reviewers cannot be split into two such groups.",
    )
    anonymity_min_group = serializers.IntegerField()
    is_updating = serializers.BooleanField(source="state.is_updating")
    group_figures_published = serializers.BooleanField(
        source="groups_published",
        help_text="Whether figures about groups of reviewers are published: only once the round has closed.",
    )
    fragile = serializers.BooleanField(help_text=FRAGILE_HELP)
    would_become = WouldBecomeField(help_text=WOULD_BECOME_HELP)
    declared_interest = PublishedMarkField(mark="declared_interest", help_text=INTEREST_HELP)
    flagged = PublishedMarkField(
        mark="flag",
        help_text="Whether the round's flag rule flags the cell for discussion (never which audience); null "
        "until the round has closed, as in the exports.",
    )


class AgreementFigureSerializer(serializers.Serializer):
    principle = serializers.CharField(allow_null=True, help_text="The principle's slug; null for the whole round.")
    alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's alpha; null when there is not enough data."
    )
    reviewers = serializers.IntegerField()
    use_cases = serializers.IntegerField()


# The round's agreement, in the shape the JSON export also gives it (matrix.selectors.agreement_document).
class AgreementSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(
        allow_null=True, format=None, help_text="When it was last measured; null: never."
    )
    round = AgreementFigureSerializer(allow_null=True, help_text="null: not measured yet, or being updated.")
    principles = AgreementFigureSerializer(many=True, help_text="Empty: not measured yet, or being updated.")
    is_updating = serializers.BooleanField(
        help_text="Reviews have changed since agreement was last measured: it is being measured again, and "
        "the figures are withheld until then."
    )
