from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("audiences.urls")),
    path("reviews/", include("usecases.urls")),
    path("matrix/", include("principles.urls")),
]
