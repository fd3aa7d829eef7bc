"""The review form: one small form per principle of the round (prefixed with the principle's
slug, so ids read like id_relevant-verdict) and one for the overall comment and lock."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Fieldset, Layout, Size
from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from reviews.models import Verdict
from reviews.services import VerdictInput, verdict_problem

# Room for a considered answer; a limit keeps a pasted document out of other reviewers' summaries.
REVIEW_TEXT_MAX_LENGTH = 5000


def _as_literal(text: str) -> str:
    """Django fills %(...)s placeholders in its error messages; a % in a principle's name must stay a %."""
    return str(text).replace("%", "%%")


def _limit() -> str:
    return formats.number_format(REVIEW_TEXT_MAX_LENGTH, force_grouping=True)


def _review_text(label, help_text) -> forms.CharField:
    """An optional free-text answer, up to the review text limit."""
    return forms.CharField(
        label=label, help_text=help_text, widget=forms.Textarea, max_length=REVIEW_TEXT_MAX_LENGTH, required=False
    )


def _limit_length(field: forms.CharField, message: str) -> None:
    """Refuse text over the limit with message, without the browser's maxlength, which cuts a
    pasted answer short without saying so (GOV.UK advises against it)."""
    field.error_messages["max_length"] = message
    field.widget.attrs.pop("maxlength", None)


class VerdictForm(forms.Form):
    """A reviewer's verdict on one principle. Nothing is required for a draft; call
    check_for_submission() before submitting."""

    verdict = forms.ChoiceField(choices=Verdict.Choice.choices, widget=forms.RadioSelect, required=False)
    reason = _review_text(_("Your reason"), _('Needed if you choose "Does not meet the principle" or "Not sure".'))
    evidence = _review_text(
        _("Evidence (optional)"), _("For example, the words in the use case you mean, or what you know from your work.")
    )
    suggested_rewording = _review_text(_("Suggested rewording (optional)"), _("How you would put it instead."))

    def __init__(self, *args, principle, **kwargs):
        kwargs.setdefault("prefix", principle.slug)
        super().__init__(*args, **kwargs)
        self.principle = principle
        self.fields["verdict"].label = principle.question
        names = {"principle": _as_literal(principle.name), "limit": _limit()}
        self.fields["verdict"].error_messages["invalid_choice"] = (
            _("Choose whether the use case meets %(principle)s, does not meet it, or you are not sure") % names
        )
        too_long = {
            "reason": _("Your reason for %(principle)s must be %(limit)s characters or fewer"),
            "evidence": _("Evidence for %(principle)s must be %(limit)s characters or fewer"),
            "suggested_rewording": _("Suggested rewording for %(principle)s must be %(limit)s characters or fewer"),
        }
        for name, message in too_long.items():
            _limit_length(self.fields[name], message % names)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                # Included, not pasted: the guidance text is never parsed as a template.
                HTML('{% include "reviews/_principle_guidance.html" with principle=form.principle %}'),
                Field.radios("verdict", legend_size=Size.SMALL),
                Field.textarea("reason", rows=4),
                Field.textarea("evidence", rows=3),
                Field.textarea("suggested_rewording", rows=3),
                legend=principle.name,
                legend_size=Size.LARGE,
                legend_tag="h2",
                css_class="govuk-!-margin-bottom-6",
            )
        )

    def check_for_submission(self) -> bool:
        """Apply the submission rule (reviews.services.verdict_problem), naming the principle
        and the field to fix. Returns whether the form is fit to submit."""
        if not self.is_valid():
            return False
        verdict, reason = self.cleaned_data["verdict"], self.cleaned_data["reason"]
        if verdict_problem(verdict=verdict, reason=reason) is None:
            return True
        names = {"principle": self.principle.name}
        if verdict not in Verdict.Choice.values:
            message = _("Choose whether the use case meets %(principle)s, does not meet it, or you are not sure")
            self.add_error("verdict", message % names)
        elif verdict == Verdict.Choice.DOES_NOT_MEET:
            self.add_error("reason", _("Give a reason why the use case does not meet %(principle)s") % names)
        else:
            self.add_error("reason", _("Give a reason why you are not sure about %(principle)s") % names)
        return False

    def verdict_input(self) -> VerdictInput:
        return VerdictInput(principle_id=self.principle.pk, **self.cleaned_data)


class OverallForm(forms.Form):
    """The overall comment, and the review's lock_version when the form was opened."""

    overall_comment = _review_text(_("Overall comment (optional)"), _("Anything else about the use case as a whole."))
    lock_version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value"), _("The form is out of date. Reload the page and try again.")
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_length(
            self.fields["overall_comment"],
            _("Overall comment must be %(limit)s characters or fewer") % {"limit": _limit()},
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                Field.textarea("overall_comment", rows=5),
                "lock_version",
                legend=_("Overall"),
                legend_size=Size.LARGE,
                legend_tag="h2",
            )
        )


class LockForm(forms.Form):
    """The lock_version a one-button form (withdraw) was opened with."""

    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def review_forms(*, principles, review, data=None) -> tuple[list[VerdictForm], OverallForm]:
    """Bound forms for a POST, or forms filled from the reviewer's saved review."""
    saved = {v.principle_id: v for v in review.verdicts.all()} if review else {}
    verdict_forms = []
    for principle in principles:
        row = saved.get(principle.pk)
        initial = (
            {
                "verdict": row.verdict,
                "reason": row.reason,
                "evidence": row.evidence,
                "suggested_rewording": row.suggested_rewording,
            }
            if row
            else {}
        )
        verdict_forms.append(VerdictForm(data, principle=principle, initial=initial))
    overall = OverallForm(
        data,
        initial={
            "overall_comment": review.overall_comment if review else "",
            "lock_version": review.lock_version if review else 0,
        },
    )
    return verdict_forms, overall


def error_summary_items(forms_on_page) -> list[tuple[str, str]]:
    """(anchor id, message) for the GOV.UK error summary, in page order. A radio group's anchor
    is its field id, which its first radio carries (see templates/gds/layout/radio_item.html)."""
    items = []
    for form in forms_on_page:
        if not form.is_bound:
            continue
        # Errors with no visible field of their own (hidden fields, the whole form) link to the first one.
        first_id = next(iter(form.visible_fields())).auto_id
        items.extend((first_id, error) for error in form.non_field_errors())
        for bound_field in form:
            anchor = first_id if bound_field.is_hidden else bound_field.auto_id
            items.extend((anchor, error) for error in bound_field.errors)
    return items
