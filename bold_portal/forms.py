"""Form parts shared by every app's pages."""

import datetime

from crispy_forms_gds.fields import DateInputField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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
