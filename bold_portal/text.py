"""Free text the portal accepts: the characters it refuses, and the length limit every free-text
field carries in its model, its database column, its forms and the import (docs/architecture.md,
"Text the portal accepts").

Refused: C0 control characters other than tab, line feed and carriage return; DEL; C1 control
characters; and lone surrogates. PostgreSQL cannot store a NUL at all, none of them is anything a
person typed on purpose, and some (a backspace, an escape) garble what other people read. Byte
order marks, right-to-left marks and full-width letters are real text and pass.
"""

import json
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Cast, Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import formats
from django.utils.deconstruct import deconstructible
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> tuple[int, str] | None:
    """The first refused character of text, as (its position counting from 1, its code such as
    U+0000); None when there is none."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    return found.start() + 1, f"U+{ord(found.group()):04X}"


def first_control_character(value) -> str | None:
    """The code of the first refused character anywhere in value: a string, or the lists and
    tuples of strings that multiple-choice and date fields receive; None when there is none."""
    if isinstance(value, str):
        found = control_character(value)
        return found[1] if found else None
    if isinstance(value, (list, tuple)):
        return next((code for item in value if (code := first_control_character(item))), None)
    return None


def visible(text: str) -> str:
    """text with each refused character written as its code, for messages that quote what was sent."""
    return _REFUSED.sub(lambda found: f"[U+{ord(found.group()):04X}]", text)


def one_character_line_breaks(text: str) -> str:
    """text with each line break as one line feed. Browsers send a textarea's line breaks as CR LF,
    two characters, but count them as one (GOV.UK Frontend's character count reads the textarea's
    value, where each is a line feed); kept as line feeds, a limit counts them as the reviewer saw."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def grouped(number: int) -> str:
    """A count as people read it: 20,000."""
    return formats.number_format(number, force_grouping=True)


@deconstructible
class ControlCharacterValidator:
    """Refuses text with a control character or a lone surrogate (see the module's docstring)."""

    message = _("Remove the hidden control character (%(code)s): it cannot be saved.")
    code = "control_character"

    def __call__(self, value):
        if isinstance(value, str) and (found := control_character(value)):
            raise ValidationError(self.message, code=self.code, params={"code": found[1]})

    def __eq__(self, other):
        return isinstance(other, ControlCharacterValidator)


refuse_control_characters = ControlCharacterValidator()


class TextLengthLimit(models.CheckConstraint):
    """The database's ceiling on a text column: Length(field) <= limit, or for a JSON column the
    length of its text. PostgreSQL's varchar already refuses longer text; SQLite's column types
    refuse nothing, so the check is what holds the limit there.

    full_clean checks it in Python, without the query a CheckConstraint otherwise costs, and puts
    the message on the field."""

    def __init__(self, *, field: str, limit: int, name: str, violation_error_message, is_json: bool = False):
        length = Length(Cast(field, models.TextField()) if is_json else field)
        super().__init__(
            condition=LessThanOrEqual(length, limit), name=name, violation_error_message=violation_error_message
        )
        self.field, self.limit, self.is_json = field, limit, is_json

    def validate(self, model, instance, exclude=None, using=None):
        if exclude and self.field in exclude:
            return
        value = getattr(instance, self.field)
        if value is None:
            return
        # Django stores JSON as json.dumps writes it (non-ASCII escaped): never shorter than
        # PostgreSQL's own text of it, so what passes here passes there.
        text = json.dumps(value) if self.is_json else value
        if len(text) > self.limit:
            raise ValidationError({self.field: self.get_violation_error_message()}, code="too_long")

    def deconstruct(self):
        path, args, kwargs = super().deconstruct()
        del kwargs["condition"]
        kwargs.update(field=self.field, limit=self.limit)
        if self.is_json:
            kwargs["is_json"] = True
        return path, args, kwargs


def text_limit(model: str, field: str, limit: int, what, *, is_json: bool = False) -> TextLengthLimit:
    """The check constraint holding model's field to limit characters; what names the text in
    the message ("An audience's description")."""
    return TextLengthLimit(
        field=field,
        limit=limit,
        name=f"{model}_{field}_length",
        violation_error_message=format_lazy(
            _("{what} must be {limit} characters or fewer."), what=what, limit=f"{limit:,}"
        ),
        is_json=is_json,
    )
