from django.urls import path

from matrix import export_views, response_views, token_views, views

app_name = "matrix"

urlpatterns = [
    # Beside the reviewer pages of the same version: /reviews/<round>/<use case>/v<n>/summary/.
    path(
        "reviews/<slug:round_slug>/<slug:use_case_slug>/v<int:number>/summary/",
        views.version_summary,
        name="version_summary",
    ),
    # The analysts' pages.
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/compare/", views.round_comparison, name="round_comparison"),
    # "You said, we did": the reasons authors have still to answer.
    path("you-said-we-did/", response_views.reason_responses, name="reason_responses"),
    path("rounds/<slug:round_slug>/matrix/", views.round_matrix, name="round_matrix"),
    path("rounds/<slug:round_slug>/charts/", views.round_charts, name="round_charts"),
    path("rounds/<slug:round_slug>/matrix/by-audience/", views.round_by_audience, name="round_by_audience"),
    path(
        "rounds/<slug:round_slug>/matrix/<slug:use_case_slug>/v<int:number>/<slug:principle_slug>/",
        views.cell,
        name="cell",
    ),
]

# Exports of the matrix (matrix/export_views.py): start one, watch it being made, download it.

urlpatterns += [
    path(
        "rounds/<slug:round_slug>/matrix/export/<slug:identifier>/",
        export_views.export_start,
        name="export_start",
    ),
    path("rounds/<slug:round_slug>/exports/<int:export_id>/", export_views.export_status, name="export_status"),
    path(
        "rounds/<slug:round_slug>/exports/<int:export_id>/download/",
        export_views.export_download,
        name="export_download",
    ),
]

# The analyst's own API tokens (docs/api.md).

urlpatterns += [
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("api-tokens/new/", token_views.api_token_new, name="api_token_new"),
    path("api-tokens/<int:token_id>/created/", token_views.api_token_created, name="api_token_created"),
    path("api-tokens/<int:token_id>/revoke/", token_views.api_token_revoke_page, name="api_token_revoke"),
]
