"""The programme admins' round pages, under /manage/rounds/ (namespace "rounds")."""

from django.urls import path

from reviews.views import assignments as assignment_views
from reviews.views import bulk_assignments as bulk_views
from reviews.views import decisions as decision_views
from reviews.views import requests as request_views
from reviews.views import review_links as link_views
from reviews.views import rounds as views

app_name = "rounds"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_new, name="new"),
    path("<slug:round_slug>/", views.round_detail, name="detail"),
    path("<slug:round_slug>/settings/", views.round_settings, name="settings"),
    path("<slug:round_slug>/flag-rule/", views.round_flag_rule, name="flag_rule"),
    path("<slug:round_slug>/use-cases/", views.round_versions, name="versions"),
    path("<slug:round_slug>/use-cases/add-matching/", views.round_versions_add_matching, name="versions_add_matching"),
    path("<slug:round_slug>/assign/", assignment_views.round_assign, name="assign"),
    path("<slug:round_slug>/assign/grid/", bulk_views.assign_grid, name="assign_grid"),
    path("<slug:round_slug>/assign/upload/", bulk_views.assign_upload, name="assign_upload"),
    path("<slug:round_slug>/assign/upload/confirm/", bulk_views.assign_upload_confirm, name="assign_upload_confirm"),
    path("<slug:round_slug>/assign/due-dates/", bulk_views.assign_due_dates, name="assign_due_dates"),
    path(
        "<slug:round_slug>/use-cases/<int:version_id>/",
        assignment_views.version_assignments,
        name="version_assignments",
    ),
    path(
        "<slug:round_slug>/organisations/<slug:organisation_slug>/",
        assignment_views.organisation_assignments,
        name="organisation_assignments",
    ),
    path(
        "<slug:round_slug>/assignments/<int:assignment_id>/due-date/",
        assignment_views.assignment_due,
        name="assignment_due",
    ),
    path(
        "<slug:round_slug>/assignments/<int:assignment_id>/reassign/",
        assignment_views.assignment_reassign,
        name="assignment_reassign",
    ),
    path(
        "<slug:round_slug>/assignments/<int:assignment_id>/remove/",
        assignment_views.assignment_remove,
        name="assignment_remove",
    ),
    path("<slug:round_slug>/open/", views.round_open, name="open"),
    path("<slug:round_slug>/progress/", views.round_progress, name="progress"),
    path("<slug:round_slug>/requests/<int:request_id>/", request_views.round_request, name="request"),
    path("<slug:round_slug>/close/", views.round_close, name="close"),
    path("<slug:round_slug>/links/", link_views.round_review_links, name="review_links"),
    *(
        path(
            f"<slug:round_slug>/links/<int:person_id>/{action}/",
            link_views.round_review_link,
            {"action": action},
            name=f"review_link_{action}",
        )
        for action in ("send", "revoke")
    ),
    path("<slug:round_slug>/copy/", views.round_copy, name="copy"),
    path("<slug:round_slug>/decisions/", decision_views.round_decisions, name="decisions"),
    path("<slug:round_slug>/decisions/<int:version_id>/", decision_views.decision, name="decision"),
    path(
        "<slug:round_slug>/decisions/<int:version_id>/conditions/<int:condition_id>/met/",
        decision_views.decision_condition_met,
        name="decision_condition_met",
    ),
]
