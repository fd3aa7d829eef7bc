from django.urls import path

from matrix import author_views, response_views
from reviews.views import questions as question_views

app_name = "authors"

urlpatterns = [
    path("", author_views.use_cases, name="use_cases"),
    path("<slug:use_case_slug>/v<int:number>/", author_views.version, name="version"),
    path("<slug:use_case_slug>/v<int:number>/questions/", question_views.author_questions, name="questions"),
    path(
        "<slug:use_case_slug>/v<int:number>/questions/<int:question_id>/",
        question_views.author_question_answer,
        name="question_answer",
    ),
    path(
        "<slug:use_case_slug>/v<int:number>/reasons/<int:verdict_id>/",
        response_views.reason_response,
        name="reason_response",
    ),
    path("<slug:use_case_slug>/compare/", author_views.version_compare, name="version_compare"),
    path(
        "<slug:use_case_slug>/v<int:number>/rounds/<slug:round_slug>/release/",
        author_views.release,
        name="feedback_release",
    ),
]
