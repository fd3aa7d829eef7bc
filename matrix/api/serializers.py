"""The API's response shapes. They only describe (for the OpenAPI schema) and format what
matrix.selectors return; nothing here reads the database or writes anything."""

from rest_framework import serializers

from principles.rule import OUTCOMES


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


class FieldErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per query parameter, what is wrong with it and what to send instead.",
    )


class PageSerializer(serializers.Serializer):
    """What every paginated answer starts with."""

    count = serializers.IntegerField(help_text="How many items there are on every page together.")
    next = serializers.CharField(allow_null=True, help_text="The next page's address, or null on the last page.")
    previous = serializers.CharField(allow_null=True, help_text="The previous page's address, or null.")


class RuleSerializer(serializers.Serializer):
    threshold = serializers.FloatField(help_text="A tick needs more than this share of reviewers who decided.")
    min_reviews = serializers.IntegerField(help_text="Fewer reviews than this give 'insufficient'.")


class RoundSerializer(RuleSerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["draft", "open", "closed"])
    opens_on = serializers.DateField(allow_null=True)
    closes_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    use_cases = serializers.IntegerField(help_text="How many use case versions the round reviews.")
    submitted = serializers.IntegerField(help_text="Reviews submitted.")
    expected = serializers.IntegerField(help_text="Reviews expected from the round's assignments.")


class RoundPageSerializer(PageSerializer):
    results = RoundSerializer(many=True)


class PrincipleSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class RoundDetailSerializer(RoundSerializer):
    principles = PrincipleSerializer(many=True)
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When the matrix was last computed.")
    is_updating = serializers.BooleanField(help_text="Reviews changed since: a recompute is on its way.")


class CellSerializer(serializers.Serializer):
    principle = serializers.CharField(help_text="The principle's slug.")
    outcome = serializers.ChoiceField(choices=list(OUTCOMES))
    meets = serializers.IntegerField()
    does_not_meet = serializers.IntegerField()
    not_sure = serializers.IntegerField()


class MatrixRowSerializer(serializers.Serializer):
    audience = serializers.CharField(help_text="The audience's slug.")
    use_case = serializers.CharField(help_text="The use case's slug.")
    title = serializers.CharField()
    version = serializers.IntegerField()
    cells = CellSerializer(many=True)


class MatrixPageSerializer(PageSerializer):
    round = serializers.CharField()
    principles = serializers.ListField(child=serializers.CharField(), help_text="The round's principles, in order.")
    computed_at = serializers.DateTimeField(allow_null=True)
    is_updating = serializers.BooleanField()
    results = MatrixRowSerializer(many=True)


class VerdictSerializer(serializers.Serializer):
    reviewer = serializers.CharField(
        help_text="'Reviewer N': numbered within the use case version, the same on each of its principles."
    )
    verdict = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(allow_blank=True)
    suggested_rewording = serializers.CharField(allow_blank=True)


class OrganisationGroupSerializer(serializers.Serializer):
    organisation = serializers.CharField(
        allow_null=True,
        help_text="null: other organisations together (those with fewer reviewers of the use case than the "
        "minimum, and, when they come to fewer than the minimum, the smallest named organisation).",
    )
    reviewers = serializers.IntegerField(help_text="Reviews of the use case version from the group.")
    meets = serializers.IntegerField()
    does_not_meet = serializers.IntegerField()
    not_sure = serializers.IntegerField()


class CellDetailSerializer(serializers.Serializer):
    round = serializers.CharField()
    audience = serializers.CharField(help_text="The audience's name.")
    use_case = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    principle = PrincipleSerializer()
    outcome = serializers.ChoiceField(choices=list(OUTCOMES))
    meets = serializers.IntegerField()
    does_not_meet = serializers.IntegerField()
    not_sure = serializers.IntegerField()
    rule_in_words = serializers.CharField()
    verdicts = VerdictSerializer(many=True)
    organisations = OrganisationGroupSerializer(
        many=True,
        allow_null=True,
        help_text="By the reviewers' organisation, in groups of at least anonymity_min_group reviewers of "
        "the use case, naming an organisation only when it is a group on its own; null until the round has "
        "closed, and when the reviewers cannot be split into two such groups.",
    )
    anonymity_min_group = serializers.IntegerField()
    is_updating = serializers.BooleanField()
    group_figures_published = serializers.BooleanField(
        help_text="Whether figures about groups of reviewers are published: only once the round has closed."
    )


class AgreementFigureSerializer(serializers.Serializer):
    principle = serializers.CharField(allow_null=True, help_text="The principle's slug; null for the whole round.")
    alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's alpha; null when there is not enough data."
    )
    reviewers = serializers.IntegerField()
    use_cases = serializers.IntegerField()


class AgreementSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True, help_text="When it was last measured; null: never.")
    round = AgreementFigureSerializer(allow_null=True, help_text="null: not measured yet, or being updated.")
    principles = AgreementFigureSerializer(many=True, help_text="Empty: not measured yet, or being updated.")
    is_updating = serializers.BooleanField(
        help_text="Reviews have changed since agreement was last measured: it is being measured again, and "
        "the figures are withheld until then."
    )
