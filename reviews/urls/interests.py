"""The programme admins' declared interests pages, under /manage/interests/ (namespace "interests")."""

from django.urls import path

from reviews.views import interests as views

app_name = "interests"

urlpatterns = [
    path("", views.interest_list, name="list"),
    path("<int:interest_id>/", views.interest_detail, name="detail"),
    path("<int:interest_id>/withdraw/", views.interest_withdraw, name="withdraw"),
]
