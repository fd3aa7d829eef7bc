"""The reviewer and organisation-lead pages, under /reviews/ (namespace "reviews")."""

from django.urls import include, path

from reviews.views import carry as carry_views
from reviews.views import interests as interest_views
from reviews.views import organisations as organisation_views
from reviews.views import questions as question_views
from reviews.views import requests as request_views
from reviews.views import review_autosave as autosave_views
from reviews.views import review_conflicts as conflict_views
from reviews.views import review_links as link_views
from reviews.views import reviews as views

app_name = "reviews"

# A use case version within a round, e.g. /reviews/spring-2026/homelessness-health/v2/.
# No URL carries a review id: the review is always the signed-in reviewer's own.
version_patterns = [
    path("", views.use_case, name="use_case"),
    path("review/", views.review, name="review"),
    path("review/check/", views.review_check, name="review_check"),
    path("review/changes/", carry_views.review_changes, name="review_changes"),
    path("review/autosave/", autosave_views.review_autosave, name="review_autosave"),
    path("review/conflict/", conflict_views.review_conflict, name="review_conflict"),
    path("review/submitted/", views.review_submitted, name="review_submitted"),
    path("review/withdraw/", views.review_withdraw_confirm, name="review_withdraw"),
    path("questions/ask/<slug:principle_slug>/", question_views.question_ask, name="question_ask"),
    path("questions/<int:question_id>/answer/", question_views.question_answer, name="question_answer"),
    path("decline/", request_views.decline, name="decline"),
    path("more-time/", request_views.more_time, name="more_time"),
    path("more-time/cancel/", request_views.more_time_cancel, name="more_time_cancel"),
]

urlpatterns = [
    path("", views.my_reviews, name="my_reviews"),
    path("session/", autosave_views.session_time, name="session_time"),
    # The page a personal review link opens: public, as the token in the address is its key.
    path("link/<str:token>/", link_views.review_link, name="review_link"),
    path(
        "organisation/<slug:organisation_slug>/links/",
        link_views.organisation_review_links,
        name="organisation_review_links",
    ),
    *(
        path(
            f"organisation/<slug:organisation_slug>/links/<slug:round_slug>/<int:person_id>/{action}/",
            link_views.organisation_review_link,
            {"action": action},
            name=f"organisation_review_link_{action}",
        )
        for action in ("send", "revoke")
    ),
    path(
        "organisation/<slug:organisation_slug>/", organisation_views.organisation_reviews, name="organisation_reviews"
    ),
    path(
        "organisation/<slug:organisation_slug>/remind/",
        organisation_views.organisation_remind,
        name="organisation_remind",
    ),
    path(
        "organisation/<slug:organisation_slug>/assignments/<int:assignment_id>/reviewers/",
        organisation_views.organisation_assignment_reviewers,
        name="organisation_assignment_reviewers",
    ),
    path(
        "organisation/<slug:organisation_slug>/requests/<int:request_id>/",
        request_views.organisation_request,
        name="organisation_request",
    ),
    path(
        "organisation/<slug:organisation_slug>/interests/",
        interest_views.organisation_interests,
        name="organisation_interests",
    ),
    path(
        "organisation/<slug:organisation_slug>/interests/<int:interest_id>/withdraw/",
        interest_views.organisation_interest_withdraw,
        name="organisation_interest_withdraw",
    ),
    path("<slug:round_slug>/<slug:use_case_slug>/v<int:number>/", include(version_patterns)),
]
