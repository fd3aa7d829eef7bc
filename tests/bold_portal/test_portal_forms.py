"""Every form of the portal is built on bold_portal.forms.PortalForm (or puts PortalFormMixin
before a Django form), so a control character is refused with a message naming the field in
every form, including one added later."""

import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps

from bold_portal.forms import PortalForm, PortalFormMixin, SearchForm
from tests.portal_apps import PORTAL_APPS


def _portal_forms() -> list[type]:
    for app in PORTAL_APPS:
        package = apps.get_app_config(app).module
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    found, pending = [], [forms.BaseForm]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.split(".")[0] in PORTAL_APPS:
                found.append(subclass)
    return found


def test_every_form_of_the_portal_refuses_control_characters():
    found = _portal_forms()

    assert len(found) > 30
    without = sorted(
        f"{form.__module__}.{form.__qualname__}" for form in found if not issubclass(form, PortalFormMixin)
    )
    assert not without, f"Build these on bold_portal.forms.PortalForm: {without}"


class Example(PortalForm):
    name = forms.CharField(label="Name of the thing (optional)", required=False)
    kinds = forms.MultipleChoiceField(choices=[("a", "A")], required=False)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "A\x00B"}, "name", "Name of the thing contains a hidden control character (U+0000)"),
        ({"name": "\x7f"}, "name", "Name of the thing contains a hidden control character (U+007F)"),
        ({"name": "\x85"}, "name", "Name of the thing contains a hidden control character (U+0085)"),
        ({"name": "\ud800"}, "name", "Name of the thing contains a hidden control character (U+D800)"),
        ({"kinds": ["a", "\x00"]}, "kinds", "Kinds contains a hidden control character (U+0000)"),
    ],
    ids=["nul", "delete", "c1", "lone-surrogate", "in-a-list"],
)
def test_a_control_character_is_refused_naming_the_field(data, field, message):
    form = Example(data)

    assert not form.is_valid()
    assert form.errors[field] == [f"{message} that cannot be saved. Remove it"]


def test_a_field_added_after_the_form_is_made_refuses_them_too():
    form = Example({"name": "fine", "late": "\x01"})
    form.fields["late"] = forms.CharField(label="Late")

    assert form.errors["late"] == ["Late contains a hidden control character (U+0001) that cannot be saved. Remove it"]


@pytest.mark.parametrize("text", ["tab\there", "lines\r\nand\nmore", "\ufeffbom", "\u200fmark", "\u3000space"])
def test_tabs_line_breaks_and_real_characters_pass(text):
    assert Example({"name": text}).is_valid()


def test_a_search_box_refuses_a_control_character_and_searches_for_nothing():
    form = SearchForm({"q": "Cri\x00sis"}, label="Search by name")

    assert form.search == ""
    assert form.typed == "Cri\x00sis"
    assert form.error_items == [
        ("search", "The search contains a hidden control character (U+0000). Remove it and search again")
    ]


def test_a_search_box_with_nothing_typed_has_no_error():
    form = SearchForm({}, label="Search by name")

    assert form.search == ""
    assert form.error_items == []
