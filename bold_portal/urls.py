from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from audiences.forms import NewPasswordForm, PasswordResetRequestForm
from audiences.views import NewPasswordView, SignInView, SignOutView
from bold_portal import audit_views, views

# Signing in and resetting a password keep Django's un-namespaced names (login, password_reset_confirm…),
# which settings.LOGIN_URL and Django's reset email expect.
account_patterns = [
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", SignOutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetRequestForm,
            template_name="registration/password_reset_form.html",
        ),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        NewPasswordView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
    path("manage/", views.manage_home, name="manage_home"),
    path("manage/audit/", audit_views.audit_trail, name="manage_audit"),
    path("manage/audit/download/", audit_views.audit_trail_download, name="manage_audit_download"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("health/", views.PortalHealthCheckView.as_view(), name="health_check"),
    *account_patterns,
    path("", include("audiences.urls")),
    path("reviews/", include("reviews.urls.reviews")),
    path("manage/rounds/", include("reviews.urls.rounds")),
    path("manage/interests/", include("reviews.urls.interests")),
    path("", include("matrix.urls")),
    path("api/", include("matrix.api.urls")),
    path("manage/principles/", include("principles.urls")),
]

handler400 = "bold_portal.views.bad_request"
handler500 = "bold_portal.views.server_error"
