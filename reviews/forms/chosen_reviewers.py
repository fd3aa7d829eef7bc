"""The lead's form choosing which members review an organisation-wide assignment
(docs/reviewer-journey.md, "Choosing who reviews")."""

from crispy_forms_gds.layout import Field, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from audiences.models import Membership
from bold_portal.forms import PortalForm, gds_form_helper


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.get_full_name() or obj.user.email
        if obj.role == Membership.Role.LEAD:
            return _("%(name)s (organisation lead)") % {"name": name}
        return name


class ChosenReviewersForm(PortalForm):
    members = MemberChoiceField(
        label=_("Who reviews this use case?"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select all that apply. Only the people you choose are expected to review it and are reminded."),
        error_messages={
            "required": _("Choose at least one member to review this use case"),
            "invalid_choice": _("Choose members from the list"),
            "invalid_pk_value": _("Choose members from the list"),
        },
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members
        self.helper = gds_form_helper(
            Field.checkboxes("members", legend_size=Size.MEDIUM), submit_label=_("Save who reviews it")
        )
        self.helper.form_tag = False
