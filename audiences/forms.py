"""Forms for joining by invitation, the admin pages (audiences, organisations, people) and the
organisation lead's pages, laid out as GOV.UK forms."""

from crispy_forms_gds.layout import Field, Fluid, Size
from django import forms
from django.contrib.auth import authenticate, password_validation
from django.utils.translation import gettext_lazy as _

from accounts.forms import email_field, password_field
from accounts.models import User
from audiences.models import AUDIENCE_DESCRIPTION_MAX, WEBSITE_MAX, Audience, Invitation, Membership, Organisation
from audiences.services.invitations import invitation_existing_password_message
from bold_portal.forms import PortalForm, gds_form_helper, limit_length


class InvitationForm(PortalForm):
    """Who to invite, into which organisation (only those the inviter may invite to), and as what."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        error_messages={"required": _("Choose an organisation"), "invalid_choice": _("Choose an organisation")},
    )
    email = email_field(_("Email address"), help_text=_("We will email the invitation link to this address."))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.REVIEWER,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role"), "invalid_choice": _("Choose a role")},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = _("Enter the email address of the person to invite")
        self.fields["organisation"].queryset = organisations
        # Nothing is chosen for the inviter unless there is only one organisation to choose:
        # an admin must pick the organisation on purpose.
        self.fields["organisation"].empty_label = None if organisations.count() == 1 else _("Choose an organisation")
        self.helper = gds_form_helper(
            Field.select("organisation"),
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.radios("role", legend_size=Size.SMALL),
            submit_label=_("Send invitation"),
        )


class InvitationAcceptForm(PortalForm):
    """A new account: full name and a password, checked against the portal's password rules."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=User._meta.get_field("full_name").max_length,
        error_messages={
            "required": _("Enter your full name"),
            "max_length": _("Full name must be %(limit_value)d characters or fewer"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    password = password_field(
        _("Create a password"),
        autocomplete="new-password",
        required_message=_("Enter a password"),
        help_text=_("Use at least 12 characters. A few unrelated words together make a strong password."),
    )
    password_confirmation = password_field(
        _("Confirm your password"), autocomplete="new-password", required_message=_("Confirm your password")
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.helper = gds_form_helper(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.text("password", field_width=Fluid.TWO_THIRDS),
            Field.text("password_confirmation", field_width=Fluid.TWO_THIRDS),
            submit_label=_("Create account"),
        )

    def clean(self):
        cleaned = super().clean()
        password, confirmation = cleaned.get("password"), cleaned.get("password_confirmation")
        if password and confirmation and password != confirmation:
            self.add_error("password_confirmation", _("The passwords do not match. Enter the same password twice."))
        elif password:
            # Checked against the new person's name and email, so the password cannot be one of them.
            user = User(email=self.invitation.email, full_name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class InvitationAcceptExistingForm(PortalForm):
    """The email address already has an account: its password proves the person owns it. It is
    checked by authenticate(), as on the sign-in page, so wrong ones count towards the lockout."""

    password = password_field(_("Password"), autocomplete="current-password", required_message=_("Enter your password"))

    def __init__(self, *args, invitation, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation, self.request, self.account = invitation, request, None
        self.helper = gds_form_helper(
            Field.text("password", field_width=Fluid.TWO_THIRDS), submit_label=_("Join organisation")
        )

    def clean_password(self):
        password = self.cleaned_data["password"]
        self.account = authenticate(self.request, username=self.invitation.email, password=password)
        if self.account is None:
            raise forms.ValidationError(invitation_existing_password_message(self.invitation.email))
        return password


def _name_field(label, *, max_length, required_message, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        help_text=help_text,
        error_messages={
            "required": required_message,
            "max_length": _("%(label)s must be %%(limit_value)d characters or fewer") % {"label": label},
        },
    )


class AudienceForm(PortalForm):
    name = _name_field(
        _("Name"),
        max_length=Audience._meta.get_field("name").max_length,
        required_message=_("Enter the audience's name"),
        help_text=_("For example, people experiencing homelessness."),
    )
    description = limit_length(
        forms.CharField(
            label=_("Description (optional)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Who the audience is, in a sentence or two."),
        ),
        AUDIENCE_DESCRIPTION_MAX,
        _("Description must be %(limit)s characters or fewer"),
    )
    colour = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#505a5f",
        help_text=_("Used beside the audience's name, never on its own. Enter # and six hex digits, such as #1d70b8."),
        error_messages={
            "required": _("Enter a colour, such as #1d70b8"),
            "max_length": _("Enter a colour as # and six hex digits, such as #1d70b8"),
        },
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def __init__(self, *args, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.textarea("description"),
            Field.text("colour", field_width=Fluid.ONE_QUARTER),
            submit_label=submit_label,
        )


class OrganisationForm(PortalForm):
    name = _name_field(
        _("Name"),
        max_length=Organisation._meta.get_field("name").max_length,
        required_message=_("Enter the organisation's name"),
    )
    website = limit_length(
        forms.URLField(
            label=_("Website (optional)"),
            required=False,
            assume_scheme="https",
            error_messages={"invalid": _("Enter a website address in the correct format, like https://example.org")},
        ),
        WEBSITE_MAX,
        _("Website address must be %(limit)s characters or fewer"),
    )
    audiences = forms.ModelMultipleChoiceField(
        label=_("Audiences it serves"),
        queryset=Audience.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply."),
        error_messages={
            "required": _("Choose at least one audience the organisation serves"),
            "invalid_choice": _("Choose audiences from the list"),
            "invalid_pk_value": _("Choose audiences from the list"),
        },
    )

    def __init__(self, *args, audiences, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audiences"].queryset = audiences
        self.helper = gds_form_helper(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.text("website", field_width=Fluid.TWO_THIRDS),
            Field.checkboxes("audiences", legend_size=Size.SMALL),
            submit_label=submit_label,
        )


STAFF_ROLE_CHOICES = [
    (Invitation.Role.ANALYST, _("Analyst")),
    (Invitation.Role.AUTHOR, _("Author")),
    (Invitation.Role.ADMIN, _("Programme admin")),
]


class StaffInvitationForm(PortalForm):
    """Invite a member of BOLD staff. They choose their own password when they use the link."""

    email = email_field(_("Email address"), help_text=_("We will email the invitation link to this address."))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=STAFF_ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role"), "invalid_choice": _("Choose a role")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = _("Enter the email address of the person to invite")
        self.helper = gds_form_helper(
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.radios("role", legend_size=Size.SMALL),
            submit_label=_("Send invitation"),
        )


class StaffRolesForm(PortalForm):
    roles = forms.MultipleChoiceField(
        label=_("BOLD staff roles"),
        choices=STAFF_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply, or none. Places in organisations are not changed here."),
        error_messages={"invalid_choice": _("Choose analyst, author or programme admin")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.checkboxes("roles", legend_size=Size.SMALL), submit_label=_("Save roles"))


class MembershipRoleForm(PortalForm):
    role = forms.ChoiceField(
        label=_("Role in the organisation"),
        choices=Membership.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role"), "invalid_choice": _("Choose a role")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.radios("role", legend_size=Size.SMALL), submit_label=_("Save role"))
