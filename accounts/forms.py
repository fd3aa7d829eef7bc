"""Forms for signing in, resetting a password and the two-factor step, laid out as GOV.UK forms;
and the email and password fields the portal's other account forms share."""

import unicodedata
import uuid

from crispy_forms_gds.layout import Field, Fixed, Fluid
from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from bold_portal.email import email_send_on_commit, portal_url
from bold_portal.forms import PortalForm, PortalFormMixin, gds_form_helper, limit_length

# Longer than any password a person would type; a limit keeps a pasted megabyte from being hashed.
PASSWORD_MAX = 4_096


def email_field(label, **extra) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=User._meta.get_field("email").max_length,
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
            "max_length": _("Email address must be %(limit_value)d characters or fewer"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        **extra,
    )


def password_field(label, *, autocomplete, required_message, help_text="") -> forms.CharField:
    field = forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        error_messages={"required": required_message},
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )
    return limit_length(field, PASSWORD_MAX, _("The password must be %(limit)s characters or fewer"))


class SignInForm(PortalFormMixin, AuthenticationForm):
    username = email_field(_("Email address"))
    password = password_field(_("Password"), autocomplete="current-password", required_message=_("Enter your password"))
    error_messages = {
        "invalid_login": _(
            "The email address or password is not right. Check them and try again, or reset your password."
        ),
        "inactive": _("This account has been switched off. Ask the BOLD programme team to switch it back on."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.helper = gds_form_helper(
            Field.text("username", field_width=Fluid.TWO_THIRDS),
            Field.text("password", field_width=Fluid.TWO_THIRDS),
            submit_label=_("Sign in"),
        )


class PasswordResetRequestForm(PortalFormMixin, PasswordResetForm):
    """Django's reset form, also for accounts that have no password yet (made by an import or an
    admin): the link goes to the address's owner, which is proof enough to let them create one."""

    email = email_field(
        _("Email address"), help_text=_("Use the email address you sign in with. We will send you a link.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(
            Field.text("email", field_width=Fluid.TWO_THIRDS), submit_label=_("Send me a reset link")
        )

    def get_users(self, email):
        # As Django's own, less its test for a usable password: the address must match the
        # account's exactly once case and Unicode forms are set aside, never just "iexact".
        wanted = unicodedata.normalize("NFKC", email).casefold()
        return (
            user
            for user in User.objects.filter(email__iexact=email, is_active=True)
            if unicodedata.normalize("NFKC", user.email).casefold() == wanted
        )

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        """The portal's own email (text and HTML), sent after the request, with a link to the
        portal's public address rather than the request's host name."""
        user = context["user"]
        email_send_on_commit(
            template="registration/password_reset",
            kind="password_reset",
            obj=user,
            occasion=uuid.uuid4().hex,  # each request is its own: a second asks for a new link
            user=user,
            holds_secret=True,
            to=[to_email],
            context={
                "url": portal_url("password_reset_confirm", uidb64=context["uid"], token=context["token"]),
                "has_password": user.has_usable_password(),
            },
        )


class NewPasswordForm(PortalFormMixin, SetPasswordForm):
    """Django's set-password form with the portal's wording, for the reset link."""

    new_password1 = password_field(
        _("Create a new password"),
        autocomplete="new-password",
        required_message=_("Enter a new password"),
        help_text=_("Use at least 12 characters. A few unrelated words together make a strong password."),
    )
    new_password2 = password_field(
        _("Confirm your new password"), autocomplete="new-password", required_message=_("Confirm your new password")
    )
    error_messages = {"password_mismatch": _("The passwords do not match. Enter the same password twice.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(
            Field.text("new_password1", field_width=Fluid.TWO_THIRDS),
            Field.text("new_password2", field_width=Fluid.TWO_THIRDS),
            submit_label=_("Save new password"),
        )


class TwoFactorCodeForm(PortalForm):
    """A 6-digit code from the authenticator app (setting it up, or signing in)."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("Enter the 6-digit code your app shows now, for example 123456."),
        error_messages={"required": _("Enter the 6-digit code from your authenticator app")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def __init__(self, *args, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.text("code", field_width=Fixed.TEN), submit_label=submit_label)

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("The code must be 6 digits, like 123456"))
        return code


class RecoveryCodeForm(PortalForm):
    """One of the person's recovery codes, in place of the app's code."""

    code = forms.CharField(
        label=_("Recovery code"),
        help_text=_("Each recovery code has 10 letters and numbers, for example 3f9a1 c72be. It works once."),
        error_messages={"required": _("Enter one of your recovery codes")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.text("code", field_width=Fixed.TWENTY), submit_label=_("Continue"))

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].replace("-", " ").split()).lower()
        if len(code) != 10:
            raise forms.ValidationError(_("A recovery code has 10 letters and numbers. Check it and try again."))
        return code
