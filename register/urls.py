"""The public register (/register/, no sign-in), the admins' pages (/manage/register/) and an
organisation's agreement to be named (/organisations/<slug>/public-register/). Namespace "register"."""

from django.urls import path

from register import consent_views, manage_views, views

app_name = "register"

urlpatterns = [
    path("register/", views.register_list, name="list"),
    # The feed's address holds a dot, so no use case's slug can take it.
    path("register/changes.atom", views.register_feed, name="feed"),
    path("register/<slug:use_case_slug>/", views.register_entry, name="entry"),
    path("manage/register/", manage_views.register_manage, name="manage"),
    path("manage/register/decisions/<int:decision_id>/", manage_views.register_preview, name="preview"),
    path("manage/register/<slug:use_case_slug>/withdraw/", manage_views.register_withdraw, name="withdraw"),
    path("organisations/<slug:slug>/public-register/", consent_views.name_consent, name="name_consent"),
]
