from django.urls import path

from matrix import views

app_name = "matrix"

urlpatterns = [
    # Beside the reviewer pages of the same version: /reviews/<round>/<use case>/v<n>/summary/.
    path(
        "reviews/<slug:round_slug>/<slug:use_case_slug>/v<int:number>/summary/",
        views.version_summary,
        name="version_summary",
    ),
]
