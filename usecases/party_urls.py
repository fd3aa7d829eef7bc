from django.urls import path

from usecases import party_views

app_name = "parties"

urlpatterns = [
    path("", party_views.party_list, name="list"),
    path("<int:pk>/", party_views.party_edit, name="edit"),
    path("<int:pk>/merge/", party_views.party_merge, name="merge"),
]
