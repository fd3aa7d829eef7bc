"""The API's endpoints (docs/api.md): rounds, a round's matrix, one cell with its pseudonymised
verdicts, and the round's agreement. Each reads through matrix.selectors, as the analysts' pages
do, so the API shows exactly what the pages show: the same pseudonyms and the same anonymity rule.
Every answer is rendered through the serializer its schema is made from (matrix/api/serializers.py)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from matrix.api import serializers
from matrix.disclosure import is_published
from matrix.exporters.data import matrix_csv
from matrix.forms import OUTCOME_CHOICES, MatrixFilterForm
from matrix.selectors import cell_detail
from matrix.selectors.agreement import agreement_document, round_agreement
from matrix.selectors.cells import MatrixState, matrix_state, round_principles
from matrix.selectors.matrix_page import MATRIX_ROWS_PER_PAGE, matrix_filter_options, matrix_page
from matrix.selectors.rounds import RoundSummary, round_summaries, rounds_page
from matrix.tasks import refresh_agreement_after_response
from reviews.models import ReviewRound
from reviews.selectors.decisions import decision_record, round_decisions

DENIED = {
    401: serializers.ErrorSerializer,  # no credentials, or a token that is unknown, revoked or expired
    403: serializers.ErrorSerializer,  # signed in, but not an analyst or programme admin
}
NOT_FOUND = {**DENIED, 404: serializers.ErrorSerializer}
PAGE = OpenApiParameter("page", OpenApiTypes.INT, description="Page number; past the end gives the last page.")


@method_decorator(login_not_required, name="dispatch")
class ApiView(APIView):
    """Read-only. The portal's sign-in redirect does not apply: a call without credentials gets a
    401 from the REST framework instead (token clients have no session to be redirected with)."""

    http_method_names = ["get", "head", "options"]


def _page(request, page) -> dict:
    """The page's envelope: count, next and previous addresses (keeping the other parameters)."""
    url = request.build_absolute_uri()
    return {
        "count": page.paginator.count,
        "next": replace_query_param(url, "page", page.next_page_number()) if page.has_next() else None,
        "previous": replace_query_param(url, "page", page.previous_page_number()) if page.has_previous() else None,
    }


def _round(slug: str) -> ReviewRound:
    review_round = ReviewRound.objects.filter(slug=slug).first()
    if review_round is None:
        raise NotFound("There is no round with this slug.")
    return review_round


@dataclass(frozen=True)
class RoundDetailAnswer:
    """What serializers.RoundDetailSerializer renders: the round's summary, its principles and the
    state of its matrix."""

    summary: RoundSummary
    principles: tuple
    state: MatrixState
    decisions: list

    def __getattr__(self, name: str):
        # The round's own fields (those of serializers.RoundSerializer) are the summary's.
        return getattr(self.summary, name)


class RoundList(ApiView):
    @extend_schema(
        summary="Review rounds",
        operation_id="rounds_list",
        description="Every review round, newest first, 25 to a page, with its rule and progress.",
        parameters=[PAGE],
        responses={200: serializers.RoundPageSerializer, **DENIED},
    )
    def get(self, request):
        listing = rounds_page(request.query_params.get("page"))
        answer = {**_page(request, listing.page), "results": listing.rounds}
        return Response(serializers.RoundPageSerializer(answer).data)


class RoundDetail(ApiView):
    @extend_schema(
        summary="One review round",
        operation_id="round_retrieve",
        description=(
            "The round, its principles in order, when its matrix was last computed, and the programme's "
            "decision on each use case once the round has closed."
        ),
        responses={200: serializers.RoundDetailSerializer, **NOT_FOUND},
    )
    def get(self, request, round_slug: str):
        review_round = _round(round_slug)
        (summary,) = round_summaries([review_round])
        state = matrix_state(review_round)
        decisions = [
            {
                "use_case": decision.round_version.version.use_case.slug,
                "version": decision.round_version.version.number,
                **decision_record(decision),
            }
            for decision in round_decisions(review_round).values()
        ]
        answer = RoundDetailAnswer(
            summary=summary, principles=round_principles(review_round), state=state, decisions=decisions
        )
        return Response(serializers.RoundDetailSerializer(answer).data)


def matrix_rows(matrix, *, published: bool) -> list[dict]:
    """The matrix page's rows as the API lists them: each with the audience group it sits in and its
    marks in the JSON export's shape (serializers.MatrixRowSerializer)."""
    return [
        {
            "group": group,
            "row": row,
            "declared_interest": (row.declared_interest is not None) if published else None,
            "flagged": [view.principle.slug for view in row.cells if view.flag] if published else None,
        }
        for group in matrix.groups
        for row in group.rows
    ]


def matrix_csv_document(review_round: ReviewRound, answer: dict) -> dict:
    """The matrix answer (serialized) in the export shape (docs/commands.md), for its CSV."""
    return {
        "round": review_round.slug,
        "threshold": float(review_round.threshold),
        "min_reviews": review_round.min_reviews,
        "computed_at": answer["computed_at"].isoformat() if answer["computed_at"] else None,
        "principles": answer["principles"],
        "rows": [
            {
                "audience": row["audience"]["slug"],
                "use_case": row["use_case"],
                "title": row["title"],
                "version": row["version"],
                "cells": {cell["principle"]: cell for cell in row["cells"]},
                "declared_interest": row["declared_interest"],
                "flagged": row["flagged"],
            }
            for row in answer["results"]
        ],
    }


class MatrixCsvRenderer(BaseRenderer):
    """?format=csv on the matrix endpoint: the page's rows with the CSV export's columns. Errors are
    answered in JSON whatever the format asked for (RoundMatrix.finalize_response)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return matrix_csv(data)


class RoundMatrix(ApiView):
    renderer_classes = [JSONRenderer, MatrixCsvRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code != 200 and isinstance(getattr(response, "accepted_renderer", None), MatrixCsvRenderer):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="A round's principle matrix",
        operation_id="matrix_list",
        description="One row per use case version, in matrix order (audience, then use case), "
        f"{MATRIX_ROWS_PER_PAGE} to a page, with a cell per principle. The filters are the "
        "matrix page's: audience (repeat for several), outcome, and the principle the outcome applies to. "
        "?format=csv gives the same rows with the CSV export's columns (errors stay JSON).",
        parameters=[
            PAGE,
            OpenApiParameter(
                "audience", OpenApiTypes.STR, many=True, description="Audience slugs; none: every audience."
            ),
            OpenApiParameter(
                "outcome",
                OpenApiTypes.STR,
                enum=[value for value, _ in OUTCOME_CHOICES if value],
                description="Rows with a cross, with not enough reviews, or all ticks.",
            ),
            OpenApiParameter("principle", OpenApiTypes.STR, description="Apply the outcome to this principle only."),
        ],
        responses={
            (200, "application/json"): serializers.MatrixPageSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            (400, "application/json"): serializers.FieldErrorsSerializer,
            **{(status, "application/json"): shape for status, shape in NOT_FOUND.items()},
        },
    )
    def get(self, request, round_slug: str):
        review_round = _round(round_slug)
        options = matrix_filter_options(review_round)
        form = MatrixFilterForm(request.query_params, options=options)
        filters = form.filters()
        if form.errors:
            return Response(
                {"errors": {name: [str(m) for m in messages] for name, messages in form.errors.items()}}, 400
            )
        matrix = matrix_page(
            review_round,
            options=options,
            filters=filters,
            page_number=request.query_params.get("page"),
            with_totals=False,
        )
        answer = {
            "review_round": review_round,
            "principles": [p.slug for p in matrix.principles],
            "state": matrix.state,
            **_page(request, matrix.page),
            "results": matrix_rows(matrix, published=is_published(review_round)),
        }
        data = serializers.MatrixPageSerializer(answer).data
        if request.accepted_renderer.format == "csv":
            return Response(matrix_csv_document(review_round, data))
        return Response(data)


def cell_answer(detail: cell_detail.CellDetail) -> dict:
    """The cell endpoint's answer, from what the cell page shows."""
    return serializers.CellDetailSerializer(detail).data


class CellDetail(ApiView):
    @extend_schema(
        summary="Why a cell has its outcome",
        operation_id="cell_retrieve",
        description="The stored outcome and counts, the rule in words, every submitted verdict with its "
        "reviewer pseudonymised (the same 'Reviewer N' as on the cell page, numbered within the use case "
        "version), and, once the round has closed, the organisation breakdown under the anonymity rule.",
        responses={200: serializers.CellDetailSerializer, **NOT_FOUND},
    )
    def get(self, request, round_slug: str, use_case_slug: str, number: int, principle_slug: str):
        review_round = _round(round_slug)
        detail = cell_detail.cell_detail(
            review_round=review_round, use_case_slug=use_case_slug, number=number, principle_slug=principle_slug
        )
        if detail is None:
            raise NotFound("The round has no such use case version or principle.")
        return Response(cell_answer(detail))


class RoundAgreement(ApiView):
    @extend_schema(
        summary="How far the round's reviewers agree",
        operation_id="agreement_retrieve",
        description="Krippendorff's alpha (nominal: meets or does not meet) for the whole round and per "
        "principle. While reviews have changed since it was last measured, is_updating is true and the "
        "figures are withheld: it is measured again after this answer (or by the worker), so ask again "
        "in a minute.",
        responses={200: serializers.AgreementSerializer, **NOT_FOUND},
    )
    def get(self, request, round_slug: str):
        review_round = _round(round_slug)
        agreement = round_agreement(review_round)
        response = Response(serializers.AgreementSerializer(agreement_document(agreement)).data)
        if agreement.refresh_due:
            refresh_agreement_after_response(response, round_id=review_round.pk)
        return response
