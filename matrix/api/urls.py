"""The API's addresses, under /api/ (bold_portal/urls.py): version 1 of the endpoints, the OpenAPI
schema, and its documentation page."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView

from matrix.api import views
from matrix.token_views import api_docs

app_name = "api"

# The schema is for tools as much as for people: a token opens it, like any endpoint.
schema_view = method_decorator(login_not_required, name="dispatch")(SpectacularAPIView)

urlpatterns = [
    path("v1/rounds/", views.RoundList.as_view(), name="rounds"),
    path("v1/rounds/<slug:round_slug>/", views.RoundDetail.as_view(), name="round"),
    path("v1/rounds/<slug:round_slug>/matrix/", views.RoundMatrix.as_view(), name="matrix"),
    path(
        "v1/rounds/<slug:round_slug>/cells/<slug:use_case_slug>/<int:number>/<slug:principle_slug>/",
        views.CellDetail.as_view(),
        name="cell",
    ),
    path("v1/rounds/<slug:round_slug>/agreement/", views.RoundAgreement.as_view(), name="agreement"),
    path("schema/", schema_view.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
]
