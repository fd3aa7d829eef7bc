from django.urls import path

from audiences import views

app_name = "audiences"

urlpatterns = [
    path("invitations/new/", views.invitation_new, name="invitation_new"),
    path("invitations/accept/<str:token>/", views.invitation_accept_page, name="invitation_accept"),
]
