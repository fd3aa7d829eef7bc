"""Forms for asking the authors a question and answering one (reviews/services/questions.py). Each
names the field to fix; the service checks the rest and says why."""

from crispy_forms_gds.layout import Field
from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm, gds_form_helper, limit_length
from reviews.models import QUESTION_TEXT_MAX


def _text_field(label, help_text, required_message, too_long) -> forms.CharField:
    field = forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": required_message},
    )
    return limit_length(field, QUESTION_TEXT_MAX, too_long)


class QuestionForm(PortalForm):
    text = _text_field(
        _("Your question to the authors"),
        _(
            "Say what you need to know to judge this principle. The authors and the use case's other reviewers "
            "read it; they never see your name or your organisation."
        ),
        _("Enter your question"),
        _("Your question must be %(limit)s characters or fewer"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.textarea("text"), submit_label=_("Send the question"))
        self.helper.form_tag = False


class AnswerForm(PortalForm):
    text = _text_field(
        _("Your answer"),
        _("The reviewer who asked is told by email, and reads it beside the principle on their review."),
        _("Enter your answer"),
        _("Your answer must be %(limit)s characters or fewer"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.textarea("text"), submit_label=_("Send the answer"))
        self.helper.form_tag = False
