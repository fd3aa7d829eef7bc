from django.urls import path

from matrix import author_views

app_name = "authors"

urlpatterns = [
    path("", author_views.use_cases, name="use_cases"),
    path("<slug:use_case_slug>/v<int:number>/", author_views.version, name="version"),
    path("<slug:use_case_slug>/compare/", author_views.version_compare, name="version_compare"),
    path(
        "<slug:use_case_slug>/v<int:number>/rounds/<slug:round_slug>/release/",
        author_views.release,
        name="feedback_release",
    ),
]
