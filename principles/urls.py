from django.urls import path

from principles import views

app_name = "principles"

urlpatterns = [
    path("", views.principle_list, name="list"),
    path("add/", views.principle_add, name="add"),
    path("<slug:slug>/", views.principle_edit, name="edit"),
]
