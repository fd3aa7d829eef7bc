from django.contrib import admin
from django.urls import include, path

from accounts.urls import sign_in_patterns
from bold_portal import audit_views, outbox_views, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manage/", views.manage_home, name="manage_home"),
    path("manage/audit/", audit_views.audit_trail, name="manage_audit"),
    path("manage/audit/<int:pk>/", audit_views.audit_event, name="manage_audit_event"),
    path("manage/audit/download/", audit_views.audit_trail_download, name="manage_audit_download"),
    path("manage/outbox/", outbox_views.outbox, name="manage_outbox"),
    path("manage/outbox/<int:pk>/", outbox_views.outbox_message, name="manage_outbox_message"),
    path("manage/outbox/previews/", outbox_views.outbox_previews, name="manage_outbox_previews"),
    path("manage/outbox/previews/<slug:kind>/", outbox_views.outbox_preview, name="manage_outbox_preview"),
    path(
        "manage/outbox/<int:pk>/resend/",
        outbox_views.outbox_message_resend_view,
        name="manage_outbox_message_resend",
    ),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("health/", views.PortalHealthCheckView.as_view(), name="health_check"),
    *sign_in_patterns,
    path("", include("accounts.urls")),
    path("", include("audiences.urls")),
    path("reviews/", include("reviews.urls.reviews")),
    path("manage/rounds/", include("reviews.urls.rounds")),
    path("manage/interests/", include("reviews.urls.interests")),
    path("", include("matrix.urls")),
    path("", include("register.urls")),
    path("use-cases/", include("matrix.author_urls")),
    path("use-cases/", include("usecases.urls")),
    path("api/", include("matrix.api.urls")),
    path("manage/principles/", include("principles.urls")),
    path("manage/language/", include("language.urls")),
    path("manage/parties/", include("usecases.party_urls")),
]

handler400 = "bold_portal.views.bad_request"
handler500 = "bold_portal.views.server_error"
