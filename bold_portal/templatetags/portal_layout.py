"""{% load portal_layout %}: the GOV.UK page parts every template shares.

{% portal_breadcrumbs "manage_home" _("Manage the portal") "principles:list" _("Principles") %} draws the
GOV.UK breadcrumbs (templates/_breadcrumbs.html) from pairs of a URL name and its label, highest
page first. {% scrolling_table label=... %}...{% end_scrolling_table %} (or labelledby=the id of
the table's heading) puts a wide table in a box that scrolls sideways on a narrow screen while the
page does not, which keyboard users can reach and screen readers announce as a named region
(templates/_scrolling_table.html)."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("_breadcrumbs.html")
def portal_breadcrumbs(*names_and_labels):
    if len(names_and_labels) % 2:
        raise template.TemplateSyntaxError("portal_breadcrumbs takes pairs of a URL name and a label")
    pairs = zip(names_and_labels[::2], names_and_labels[1::2], strict=True)
    return {"crumbs": [(reverse(name), label) for name, label in pairs]}


class ScrollingTableNode(template.Node):
    def __init__(self, nodelist, options):
        self.nodelist = nodelist
        self.options = options

    def render(self, context):
        options = {name: value.resolve(context) for name, value in self.options.items()}
        return render_to_string("_scrolling_table.html", {**options, "table": self.nodelist.render(context)})


@register.tag
def scrolling_table(parser, token):
    bits = token.split_contents()
    options = template.base.token_kwargs(bits[1:], parser)
    if len(options) != 1 or not set(options) <= {"label", "labelledby"}:
        raise template.TemplateSyntaxError("scrolling_table takes label=... or labelledby=...")
    nodelist = parser.parse(("end_scrolling_table",))
    parser.delete_first_token()
    return ScrollingTableNode(nodelist, options)
