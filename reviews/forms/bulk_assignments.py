"""Forms for giving use cases in bulk (docs/admin-rounds.md): a page of the grid, a
file of assignments and its confirmation, and one due date for many. Each names the field to fix;
the services and the file check say the rest."""

import base64
import binascii

from crispy_forms_gds.layout import Field
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from audiences.models import Organisation
from bold_portal.forms import PortalDateField, PortalForm, gds_form_helper
from reviews.imports.assignments_file import MAX_BYTES

RELOAD = _("The page was changed before it was sent. Reload the page and try again")


def _ids(text: str) -> list[int]:
    parts = [part for part in text.split(",") if part]
    if len(parts) > 1000 or not all(part.isdigit() and len(part) <= 10 for part in parts):
        raise ValidationError(RELOAD)
    return [int(part) for part in parts]


class GridForm(PortalForm):
    """A page of the grid: the versions and organisations shown, the pairs ticked (each checkbox
    is named "pair", its value "version-organisation", read in clean), and the due date of the
    pairs given now."""

    versions = forms.CharField(widget=forms.HiddenInput, required=False)
    organisations = forms.CharField(widget=forms.HiddenInput, required=False)
    due_on = PortalDateField(label=_("Due date for the use cases you give now"), help_text=_("For example, 15 3 2027"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field("due_on"), submit_label=_("Save this page"))
        self.helper.form_tag = False

    def clean(self):
        # The hidden fields' problems belong to the page, not to a field the admin can see.
        cleaned = super().clean()
        cleaned["versions"] = _ids(cleaned.get("versions") or "")
        cleaned["organisations"] = _ids(cleaned.get("organisations") or "")
        pairs = set()
        for value in self.data.getlist("pair") if hasattr(self.data, "getlist") else []:
            version, _sep, organisation = value.partition("-")
            if not (version.isdigit() and organisation.isdigit() and len(value) <= 21):
                raise ValidationError(RELOAD)
            pairs.add((int(version), int(organisation)))
        cleaned["pairs"] = pairs
        return cleaned


class AssignmentsFileForm(PortalForm):
    file = forms.FileField(
        label=_("Upload a CSV file"),
        help_text=_(
            "One row per assignment, with the columns use_case, version, organisation or reviewer_email, and due_on."
        ),
        error_messages={"required": _("Choose a CSV file to upload"), "empty": _("The file you chose is empty")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field("file"), submit_label=_("Check the file"))
        self.helper.attrs["enctype"] = "multipart/form-data"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(_("The file must be 1 MB or smaller. Split it into smaller files"))
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(_("The file must be a CSV file (its name ends in .csv)"))
        return upload.read()


class AssignmentsConfirmForm(PortalForm):
    """The checked file, carried back to the server with the admin's confirmation; checked again."""

    content = forms.CharField(widget=forms.HiddenInput, max_length=2 * MAX_BYTES)

    def clean_content(self):
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(RELOAD) from None

    @staticmethod
    def carry(content: bytes) -> str:
        return base64.b64encode(content).decode("ascii")


class BulkDueDateForm(PortalForm):
    organisation = forms.ModelChoiceField(
        label=_("Which assignments"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label=_("Every assignment in the round"),
        error_messages={"invalid_choice": _("Choose an organisation from the list")},
    )
    due_on = PortalDateField(label=_("New due date"), help_text=_("For example, 15 3 2027"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(
            Field.select("organisation"), Field("due_on"), submit_label=_("Change the due dates")
        )
