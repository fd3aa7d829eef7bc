"""The admin's forms for principles, laid out as GOV.UK forms."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm, limit_length
from principles.models import PRINCIPLE_GUIDANCE_MAX, PRINCIPLE_QUESTION_MAX, Principle
from principles.sections import SECTIONS


class PrincipleForm(PortalForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=Principle._meta.get_field("name").max_length,
        help_text=_("One or two words, such as Realistic."),
        error_messages={
            "required": _("Enter the principle's name"),
            "max_length": _("Name must be %(limit_value)d characters or fewer"),
        },
    )
    question = limit_length(
        forms.CharField(
            label=_("Question for reviewers"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("What a reviewer answers with meets, does not meet or not sure."),
            error_messages={"required": _("Enter the question reviewers answer")},
        ),
        PRINCIPLE_QUESTION_MAX,
        _("Question must be %(limit)s characters or fewer"),
    )
    guidance = limit_length(
        forms.CharField(
            label=_("What good looks like (optional)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 5}),
        ),
        PRINCIPLE_GUIDANCE_MAX,
        _("What good looks like must be %(limit)s characters or fewer"),
    )
    reads_sections = forms.MultipleChoiceField(
        label=_("Sections of the use case it reads (optional)"),
        help_text=_(
            "The parts of a use case this principle asks about. Analysts see them beside the verdicts on the principle."
        ),
        choices=SECTIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose sections from the list")},
    )
    is_active = forms.BooleanField(
        label=_("Offer this principle for new rounds"),
        required=False,
        help_text=_("Rounds that already use it keep it either way."),
    )

    def __init__(self, *args, adding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = [
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.textarea("question"),
            Field.textarea("guidance"),
            Field.checkboxes("reads_sections", legend_size=Size.SMALL, small=True),
        ]
        if adding:
            del self.fields["is_active"]
        else:
            fields.append(Field.checkbox("is_active"))
        self.helper = FormHelper()
        self.helper.form_show_errors = True
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            *fields, Button.primary("submit", _("Add principle") if adding else _("Save changes"))
        )
