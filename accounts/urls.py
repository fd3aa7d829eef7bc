from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import NewPasswordForm, PasswordResetRequestForm
from accounts.views import sign_in, two_factor

app_name = "accounts"

# Two-factor sign-in: the step after the password, and the person's own settings.
urlpatterns = [
    path("account/two-factor/", two_factor.security, name="two_factor_settings"),
    path("account/two-factor/set-up/", two_factor.setup, name="two_factor_setup"),
    path("account/two-factor/code/", two_factor.verify, name="two_factor_verify"),
    path("account/two-factor/recovery-code/", two_factor.recovery, name="two_factor_recovery"),
    path(
        "account/two-factor/recovery-codes/new/",
        two_factor.recovery_codes_new,
        name="two_factor_recovery_codes_new",
    ),
]

# Signing in and resetting a password keep Django's un-namespaced names (login, password_reset_confirm…),
# which settings.LOGIN_URL and Django's reset email expect: the project's URLs include them as they are.
sign_in_patterns = [
    path("sign-in/", sign_in.SignInView.as_view(), name="login"),
    path("sign-out/", sign_in.SignOutView.as_view(), name="logout"),
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
        sign_in.NewPasswordView.as_view(form_class=NewPasswordForm),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
