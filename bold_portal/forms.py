"""Form parts shared by every app's pages."""

import datetime
import re

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from bold_portal.text import first_control_character, grouped, one_character_line_breaks


class PortalFormMixin:
    """What every form of the portal does with what was sent, whatever its fields: a value with
    a control character (bold_portal.text) is refused with a message naming the field, before the
    field's own cleaning runs, so no lookup, query or service ever sees it. A long text field (a
    textarea) with a limit shows the GOV.UK character count, and counts a line break as one
    character, as the count does.

    PortalForm is forms.Form with this; forms built on Django's own (sign-in, password reset)
    put the mixin first. A test fails for a form of the portal that has neither."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea) and getattr(field, "max_length", None):
                count_characters(field, field.max_length)

    def full_clean(self):
        for name, field in self.fields.items():
            if "clean" not in vars(field):  # wrap each field once, including fields added late
                long_text = isinstance(field.widget, forms.Textarea)
                field.clean = _refusing_control_characters(
                    field.clean, self.control_character_message(name), long_text=long_text
                )
        super().full_clean()

    def control_character_message(self, name: str) -> str:
        """The message for a control character in the field name; forms whose labels do not name
        the field on their own (a question, say) give a better one."""
        return _("%(field)s contains a hidden control character (%%(code)s) that cannot be saved. Remove it") % {
            "field": field_name(self.fields[name], name)
        }


def _refusing_control_characters(clean, message: str, *, long_text: bool):
    """clean, refusing a control character first; a long text's line breaks then count as one
    character each, as the character count beside it counts them (bold_portal.text)."""

    def checked_clean(value, *args):
        if code := first_control_character(value):
            raise ValidationError(message % {"code": code}, code="control_character")
        if long_text and isinstance(value, str):
            value = one_character_line_breaks(value)
        return clean(value, *args)

    return checked_clean


def field_name(field: forms.Field, name: str) -> str:
    """The field as a message names it: its label without "(optional)", else its name."""
    label = str(field.label) if field.label else name.replace("_", " ").capitalize()
    return re.sub(r"\s*\(optional\)$", "", label).replace("%", "%%")


class PortalForm(PortalFormMixin, forms.Form):
    """The base of the portal's forms (see PortalFormMixin)."""


def gds_form_helper(*fields, submit_label) -> FormHelper:
    """A GOV.UK form's layout: errors shown in the page's error summary, no browser validation (the
    server's messages are clearer), the fields, then one primary button."""
    helper = FormHelper()
    helper.form_show_errors = True
    helper.attrs = {"novalidate": ""}
    helper.layout = Layout(*fields, Button.primary("submit", submit_label))
    return helper


def attempt(form: forms.BaseForm, action):
    """What action (a service call) returns; or None, with the messages of the ValidationError it
    raised put on the form (add_errors)."""
    try:
        return action()
    except ValidationError as error:
        add_errors(form, error)
        return None


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's ValidationError on the form: each message on its field when the form has that
    field, otherwise above the form (the error summary's first lines)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def limit_length(field: forms.CharField, limit: int, message) -> forms.CharField:
    """Refuse text over limit characters with message, in which %(limit)s stands for the limit
    and any other % is a per cent sign; without the browser's maxlength, which cuts a pasted
    answer short without saying so (GOV.UK advises against it)."""
    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(limit))
    # Django fills %(...)s placeholders in the message again when it shows it.
    field.error_messages["max_length"] = str(message).replace("%(limit)s", grouped(limit)).replace("%", "%%")
    field.widget.attrs.pop("maxlength", None)
    if isinstance(field.widget, forms.Textarea):
        count_characters(field, limit)
    return field


def count_characters(field: forms.CharField, limit: int) -> forms.CharField:
    """Show the GOV.UK character count under a long text field, counting towards limit: the limit
    as a hint without JavaScript, a live count with it (templates/gds/field.html). crispy-forms-gds
    links the textarea to the count by this class; the empty description saves its own check from
    failing on a field without a hint."""
    field.character_limit = limit
    classes = field.widget.attrs.get("class", "").split()
    field.widget.attrs["class"] = " ".join([*dict.fromkeys([*classes, "govuk-js-character-count"])])
    field.widget.attrs.setdefault("aria-describedby", "")
    return field


# The longest search a search box takes: as long as the longest email address, longer than any name.
SEARCH_MAX_LENGTH = 254
SEARCH_CONTROL_CHARACTER = _("The search contains a hidden control character (%(code)s). Remove it and search again")


class SearchForm(PortalForm):
    """A list page's search box (a GET form with one field, q; templates/manage/_search.html). A
    search that cannot be run says why in a GOV.UK error message, and the page lists everything as
    if nothing had been searched for: never an error page."""

    q = forms.CharField(required=False)

    def __init__(self, data, *, label):
        super().__init__(data if "q" in data else None)
        self.fields["q"].label = label
        limit_length(self.fields["q"], SEARCH_MAX_LENGTH, _("Search for %(limit)s characters or fewer"))

    def control_character_message(self, name: str) -> str:
        return str(SEARCH_CONTROL_CHARACTER)

    @property
    def search(self) -> str:
        """What to search for: "" for no search, or for one refused (the page shows why)."""
        return self.cleaned_data["q"] if self.is_bound and self.is_valid() else ""

    @property
    def typed(self) -> str:
        """What was typed, to show in the box again."""
        return self.data.get("q", "") if self.is_bound else ""

    @property
    def error_items(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the page's GOV.UK error summary."""
        return [("search", message) for message in self.errors.get("q", [])]


class PortalDateField(DateInputField):
    """The GOV.UK date input (day, month, year), with messages that name the date asked for."""

    def __init__(self, *, label, **kwargs):
        super().__init__(label=label, require_all_fields=False, **kwargs)
        name = str(label).lower()
        self.error_messages["required"] = _("Enter the %(name)s") % {"name": name}
        self.error_messages["incomplete"] = _("The %(name)s must include a day, month and year") % {"name": name}
        self.error_messages["invalid"] = _("The %(name)s must be a real date") % {"name": name}
        for part, word in zip(self.fields, (_("day"), _("month"), _("year")), strict=True):
            part.error_messages["incomplete"] = _("The %(name)s must include a %(part)s") % {"name": name, "part": word}
            part.validators[0].message = _("The %(name)s must be a real date") % {"name": name}

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(year) != 4:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
