"""The review form: one small form per principle of the round (prefixed with the principle's
slug, so ids read like id_relevant-verdict) and one for the overall comment and lock. Drawn by
templates/reviews/_verdict_fieldset.html and _overall_fieldset.html."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm, count_characters, limit_length
from bold_portal.text import grouped
from reviews.models import REVIEW_TEXT_MAX, REVIEW_TEXT_SUBMIT_MAX, Verdict
from reviews.selectors.sections import principle_sections
from reviews.services.reviews import VerdictInput, verdict_problem


def _as_literal(text: str) -> str:
    """Django fills %(...)s placeholders in its error messages; a % in a principle's name must stay a %."""
    return str(text).replace("%", "%%")


def _review_text(label, help_text) -> forms.CharField:
    """An optional free-text answer: a draft keeps up to REVIEW_TEXT_MAX characters; submitting
    needs it within REVIEW_TEXT_SUBMIT_MAX (check_for_submission)."""
    return forms.CharField(label=label, help_text=help_text, widget=forms.Textarea, required=False)


class SubmissionLengthMixin:
    """Submitting needs each text within REVIEW_TEXT_SUBMIT_MAX; saving a draft keeps up to the
    field's own limit, so that nothing pasted is lost before the reviewer shortens it."""

    # field name -> what the messages call it, with %(limit)s for the limit
    too_long: dict[str, str]

    def limit_texts(self, names: dict[str, str]) -> None:
        """Give each text field the draft limit, with a message naming it (names fill the messages)."""
        for name, message in self.too_long.items():
            limit_length(self.fields[name], REVIEW_TEXT_MAX, message % {**names, "limit": "%(limit)s"})
            # The limit said up front is the one for submitting: a draft keeps more, unsubmitted.
            count_characters(self.fields[name], REVIEW_TEXT_SUBMIT_MAX)
        self.names = names

    def texts_fit_for_submission(self) -> bool:
        """Whether every text is within the submission limit; an error on each one that is not."""
        fits = True
        for name, message in self.too_long.items():
            text = self.cleaned_data.get(name) or ""
            if len(text) > REVIEW_TEXT_SUBMIT_MAX:
                fits = False
                self.add_error(
                    name,
                    _("%(too_long)s to submit (it has %(count)s). Shorten it, or save your review as a draft")
                    % {
                        "too_long": message % {**self.names, "limit": grouped(REVIEW_TEXT_SUBMIT_MAX)},
                        "count": grouped(len(text)),
                    },
                )
        return fits


class VerdictForm(SubmissionLengthMixin, PortalForm):
    """A reviewer's verdict on one principle. Nothing is required for a draft; call
    check_for_submission() before submitting."""

    verdict = forms.ChoiceField(choices=Verdict.Choice.choices, widget=forms.RadioSelect, required=False)
    reason = _review_text(_("Your reason"), _('Needed if you choose "Does not meet the principle" or "Not sure".'))
    evidence = _review_text(
        _("Evidence (optional)"), _("For example, the words in the use case you mean, or what you know from your work.")
    )
    suggested_rewording = _review_text(_("Suggested rewording (optional)"), _("How you would put it instead."))

    def __init__(self, *args, principle, sections=(), carried_from=None, **kwargs):
        kwargs.setdefault("prefix", principle.slug)
        super().__init__(*args, **kwargs)
        self.principle = principle
        # The use case's text the principle asks about (reviews.selectors.sections), shown with it.
        self.sections = sections
        # The earlier verdict the saved one was carried forward from (reviews.services.carry), if any.
        self.carried_from = carried_from
        self.fields["verdict"].label = principle.question
        self.fields["verdict"].error_messages["invalid_choice"] = _(
            "Choose whether the use case meets %(principle)s, does not meet it, or you are not sure"
        ) % {"principle": _as_literal(principle.name)}
        self.limit_texts({"principle": principle.name})

    too_long = {
        "reason": _("Your reason for %(principle)s must be %(limit)s characters or fewer"),
        "evidence": _("Evidence for %(principle)s must be %(limit)s characters or fewer"),
        "suggested_rewording": _("Suggested rewording for %(principle)s must be %(limit)s characters or fewer"),
    }

    def control_character_message(self, name: str) -> str:
        what = {
            "verdict": _("Your answer for %(principle)s"),
            "reason": _("Your reason for %(principle)s"),
            "evidence": _("Evidence for %(principle)s"),
            "suggested_rewording": _("Suggested rewording for %(principle)s"),
        }[name] % {"principle": _as_literal(self.principle.name)}
        return _("%(field)s contains a hidden control character (%%(code)s) that cannot be saved. Remove it") % {
            "field": what
        }

    def check_for_submission(self) -> bool:
        """Apply the submission rule (reviews.services.verdict_problem) and the submission limit
        of its texts, naming the principle and the field to fix. Returns whether the form is fit
        to submit."""
        if not self.is_valid():
            return False
        if not self.texts_fit_for_submission():
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


class OverallForm(SubmissionLengthMixin, PortalForm):
    """The overall comment, and the review's lock_version when the form was opened."""

    too_long = {"overall_comment": _("Overall comment must be %(limit)s characters or fewer")}

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
        self.limit_texts({})

    def check_for_submission(self) -> bool:
        """Whether the form is valid and its comment fit to submit."""
        return self.is_valid() and self.texts_fit_for_submission()


class LockForm(PortalForm):
    """The lock_version a one-button form (withdraw) was opened with."""

    lock_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def review_forms(*, principles, review, version, data=None) -> tuple[list[VerdictForm], OverallForm]:
    """Bound forms for a POST, or forms filled from the reviewer's saved review, each with the
    version's text its principle asks about."""
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
        verdict_forms.append(
            VerdictForm(
                data,
                principle=principle,
                sections=principle_sections(principle, version),
                initial=initial,
                carried_from=row.carried_from if row else None,
            )
        )
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
