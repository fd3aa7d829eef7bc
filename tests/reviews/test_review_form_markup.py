"""The review form's fields are written out by hand (templates/gds/lean/, docs/frontend.md) with
the same GOV.UK markup and ids as crispy-forms-gds' `gds` pack draws for the other forms: the
same elements, ids, names, labels, hints, checked radio, text, character count and error
messages, each linked by aria-describedby as it is there. Compared field by field, blank, filled
and with errors."""

from html.parser import HTMLParser

import pytest
from crispy_forms.utils import render_crispy_form
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.template.loader import render_to_string

from bold_portal.forms import PortalForm, limit_length

# What differs on purpose: GOV.UK Frontend 5 writes an error message as a paragraph and marks a
# textarea in error with its own modifier, where the pack keeps older markup; the pack also gives
# a textarea Django's default cols, which GOV.UK's width class overrides.
_SAME_ELEMENT = {"span": "p"}
_SAME_CLASS = {"govuk-input--error": "govuk-textarea--error"}
_IGNORED_ATTRIBUTES = {"cols"}


class _Elements(HTMLParser):
    """Each element as (tag, its attributes normalised), and each piece of text, in order."""

    def __init__(self):
        super().__init__()
        self.parts: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        normalised = []
        for name, value in attrs:
            if name in _IGNORED_ATTRIBUTES:
                continue
            if name in ("class", "aria-describedby"):
                value = " ".join(sorted(_SAME_CLASS.get(word, word) for word in value.split()))
            if name == "checked":
                value = "checked"
            normalised.append((name, value))
        self.parts.append((_SAME_ELEMENT.get(tag, tag), tuple(sorted(normalised))))

    def handle_endtag(self, tag):
        self.parts.append(("/" + _SAME_ELEMENT.get(tag, tag),))

    def handle_data(self, data):
        if text := " ".join(data.split()):
            self.parts.append(("text", text))


def elements(html: str) -> list[tuple]:
    parser = _Elements()
    parser.feed(html)
    return parser.parts


class _Answer(PortalForm):
    verdict = forms.ChoiceField(
        label="Does it meet the principle?",
        choices=[("meets", "Meets"), ("does_not_meet", "Does not meet"), ("not_sure", "Not sure")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Your reason", help_text="Why you chose it.", widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="relevant", **kwargs)
        limit_length(self.fields["reason"], 50, "Your reason must be %(limit)s characters or fewer")


def crispy(form: _Answer, name: str) -> str:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    layout = Field.radios(name, legend_size=Size.SMALL) if name == "verdict" else Field.textarea(name, rows=4)
    helper.layout = Layout(layout)
    return render_crispy_form(form, helper)


def lean(form: _Answer, name: str) -> str:
    if name == "verdict":
        context = {"field": form["verdict"], "legend_size": "govuk-fieldset__legend--s"}
        return render_to_string("gds/lean/radios.html", context)
    return render_to_string("gds/lean/textarea.html", {"field": form["reason"], "rows": 4})


FORMS = {
    "blank": lambda: _Answer(),
    "filled": lambda: _Answer(initial={"verdict": "does_not_meet", "reason": "Line one\nline <two> & more"}),
    "with errors": lambda: _Answer(data={"relevant-verdict": "bogus", "relevant-reason": "x" * 60}),
    "a valid answer sent": lambda: _Answer(data={"relevant-verdict": "not_sure", "relevant-reason": "Because."}),
}


@pytest.mark.parametrize("name", ["verdict", "reason"])
@pytest.mark.parametrize("state", FORMS)
def test_each_field_is_drawn_as_the_gds_pack_draws_it(state, name):
    form = FORMS[state]()
    form.is_bound and form.is_valid()

    assert elements(lean(form, name)) == elements(crispy(form, name))


def test_the_comparison_sees_a_missing_error_message():
    # The comparison is not blind: a field whose errors went missing is told apart.
    form = FORMS["with errors"]()
    form.is_valid()
    drawn = elements(lean(form, "reason"))

    form.errors.clear()
    assert elements(crispy(form, "reason")) != drawn
