from django.urls import path

from language import views

app_name = "language"

urlpatterns = [
    path("", views.lexicon_list, name="list"),
    path("add/", views.lexicon_entry_add, name="add"),
    path("<int:pk>/", views.lexicon_entry_edit, name="edit"),
]
