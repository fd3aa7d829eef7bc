from django.urls import path

from usecases import views

app_name = "usecases"

urlpatterns = [
    path("new/", views.use_case_new, name="new"),
    path("parties/new/", views.party_new, name="party_new"),
    path("<slug:use_case_slug>/draft/", views.draft, name="draft"),
    path("<slug:use_case_slug>/draft/start/", views.draft_start, name="draft_start"),
    path("<slug:use_case_slug>/draft/preview/", views.draft_preview, name="draft_preview"),
    path("<slug:use_case_slug>/draft/publish/", views.draft_publish, name="draft_publish"),
    path("<slug:use_case_slug>/draft/<slug:section>/", views.draft_section, name="draft_section"),
    path("<slug:use_case_slug>/draft/<slug:section>/dismiss/", views.draft_hit_dismiss, name="draft_hit_dismiss"),
]
