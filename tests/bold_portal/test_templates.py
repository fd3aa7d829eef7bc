"""The portal's own templates hold no condition that is decided before the page is drawn: an
`{% if %}` or `{% elif %}` testing a literal on its own, or comparing two literals (such as
`{% if "due" == "reassign" %}`), always goes the same way. Say it with a variable, a block or an
include parameter instead."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Engine, Variable
from django.template.defaulttags import IfNode, TemplateLiteral
from django.template.smartif import TokenBase

TEMPLATES = sorted(path for folder in settings.TEMPLATES[0]["DIRS"] for path in Path(folder).rglob("*.html"))
COMPARISONS = {"==", "!=", "<", ">", "<=", ">=", "in", "not in", "is", "is not"}


def is_literal(node) -> bool:
    """A value written in the template: a quoted string or a number, with no filter."""
    if not isinstance(node, TemplateLiteral):
        return False
    expression = node.value
    if expression.filters:
        return False
    return not isinstance(expression.var, Variable) or expression.var.lookups is None


def fixed_parts(node) -> list[str]:
    """The parts of a condition whose value does not depend on the page's context."""
    if isinstance(node, TemplateLiteral):
        return [node.text] if is_literal(node) else []
    assert isinstance(node, TokenBase), node
    if node.id in COMPARISONS:
        return [repr(node)] if is_literal(node.first) and is_literal(node.second) else []
    return [part for child in (node.first, node.second) if child is not None for part in fixed_parts(child)]


def literal_conditions(source: str) -> list[str]:
    """Each if or elif of the template (parsed as Django parses it) with a part decided in advance."""
    found = []
    for node in Engine.get_default().from_string(source).nodelist.get_nodes_by_type(IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            if condition is not None and fixed_parts(condition):
                found.append(f"line {node.token.lineno}: {{% {node.token.contents} %}}")
    return found


def test_the_check_finds_literal_conditions():
    assert literal_conditions('{% if "due" == "reassign" %}x{% endif %}')
    assert literal_conditions("{% if 'a' %}x{% elif kind == 'b' %}y{% endif %}")
    assert literal_conditions("{% if ok and 1 < 2 %}x{% endif %}")
    assert not literal_conditions('{% if kind == "reassign" %}x{% elif not kind %}y{% endif %}')
    assert not literal_conditions('{% if "a"|add:b == "ab" or name in "xyz" %}x{% endif %}')


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_no_template_holds_a_literal_condition(path):
    assert literal_conditions(path.read_text(encoding="utf-8")) == []


# GOV.UK parts written once, in a shared partial, and used everywhere through it.
PARTIALS = {
    'class="govuk-breadcrumbs"': "_breadcrumbs.html",
    'class="govuk-error-summary"': "_error_summary.html",
    'class="portal-table-container"': "_scrolling_table.html",
    'class="govuk-pagination"': "_pagination.html",
    # A list page's search box sits in the list page's frame, between its intro and its items.
    '"manage/_search.html"': "_list_page.html",
}


@pytest.mark.parametrize("markup", PARTIALS)
def test_shared_parts_are_written_only_in_their_partial(markup):
    holders = [str(path.relative_to(settings.BASE_DIR)) for path in TEMPLATES if markup in path.read_text("utf-8")]
    assert holders == [f"templates/{PARTIALS[markup]}"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_no_template_comment_spans_lines(path):
    # Django's {# #} comment ends at its line: one left open prints its words into the page.
    unclosed = [
        number
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert not unclosed, f"{path.name}: a {{# comment spans lines from line {unclosed}; use {{% comment %}}"
