"""The matrix page's filters: a GET form whose choices come from the round."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Fluid, Layout
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bold_portal.forms import PortalForm, gds_form_helper, limit_length
from matrix.models import API_TOKEN_NAME_MAX, RESPONSE_TEXT_MAX, ReasonResponse
from matrix.selectors.matrix_page import (
    DIRECTION_ASCENDING,
    DIRECTION_DESCENDING,
    MARK_DECLARED_INTEREST,
    MARK_FLAGGED,
    MARK_FRAGILE,
    OUTCOME_ALL_TICKS,
    OUTCOME_CROSS,
    OUTCOME_INSUFFICIENT,
    PRINCIPLE_SORT_PREFIX,
    SEARCH_MAX_LENGTH,
    SORT_DOES_NOT_MEET,
    SORT_MARGIN,
    SORT_MET,
    MatrixFilterOptions,
    MatrixFilters,
)

OUTCOME_CHOICES = (
    ("", _("Any outcome")),
    (OUTCOME_CROSS, _("Has a cross (does not meet)")),
    (OUTCOME_INSUFFICIENT, _("Has not enough reviews")),
    (OUTCOME_ALL_TICKS, _("All ticks (meets)")),
)

MARK_CHOICES = (
    (MARK_FRAGILE, _("Fragile: one reviewer changing their mind would flip a cell")),
    (MARK_FLAGGED, _("Flagged for discussion")),
    (MARK_DECLARED_INTEREST, _("Declared interest")),
)

# The marks in a sentence ("only use cases marked fragile or flagged for discussion").
MARK_WORDS = {
    MARK_FRAGILE: _("fragile"),
    MARK_FLAGGED: _("flagged for discussion"),
    MARK_DECLARED_INTEREST: _("declared interest"),
}

DIRECTION_CHOICES = (
    (DIRECTION_ASCENDING, _("Lowest first")),
    (DIRECTION_DESCENDING, _("Highest first")),
)


class ErrorSummaryMixin:
    def error_items(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the GOV.UK error summary."""
        return [(name, str(message)) for name, errors in self.errors.items() for message in errors]


class MatrixFilterForm(ErrorSummaryMixin, PortalForm):
    audience = forms.MultipleChoiceField(
        label=_("Audience"),
        required=False,
        error_messages={"invalid_choice": _("Choose audiences from the list")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=OUTCOME_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose an outcome from the list")},
    )
    principle = forms.ChoiceField(
        label=_("For principle"),
        required=False,
        error_messages={"invalid_choice": _("Choose a principle from the list")},
    )
    mark = forms.MultipleChoiceField(
        label=_("Only use cases with"),
        choices=MARK_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose marks from the list")},
    )
    search = forms.CharField(
        label=_("Search the use cases"),
        help_text=_("Words in the title, why this matters, research questions, or what BOLD will and will not do."),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": _("Enter %(limit_value)d characters or fewer to search for (you entered %(show_value)d)")
        },
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        error_messages={"invalid_choice": _("Choose a sort from the list")},
    )
    direction = forms.ChoiceField(
        label=_("Order"),
        choices=DIRECTION_CHOICES,
        required=False,
        error_messages={"invalid_choice": _("Choose lowest first or highest first")},
    )

    def __init__(self, *args, options: MatrixFilterOptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(a.slug, a.name) for a in options.audiences]
        self.fields["principle"].choices = [("", _("Any principle")), *((p.slug, p.name) for p in options.principles)]
        self.fields["sort"].choices = [
            ("", _("Audience, as in the report")),
            *(
                (
                    PRINCIPLE_SORT_PREFIX + p.slug,
                    _("%(name)s: does not meet, not enough reviews, meets") % {"name": p.name},
                )
                for p in options.principles
            ),
            (SORT_MET, _("Principles met")),
            (SORT_DOES_NOT_MEET, _("Number of “does not meet” verdicts")),
            (SORT_MARGIN, _("Margin: the fewest verdicts that would have to change to flip a cell")),
        ]

    def filters(self) -> MatrixFilters:
        """The valid filters; a field with a value that is not allowed filters nothing (and the
        page says so in the error summary)."""
        self.is_valid()
        data = self.cleaned_data
        return MatrixFilters(
            audiences=tuple(data.get("audience") or ()),
            outcome=data.get("outcome") or "",
            principle=data.get("principle") or "",
            marks=tuple(data.get("mark") or ()),
            search=" ".join((data.get("search") or "").split()),
            sort=data.get("sort") or "",
            direction=data.get("direction") or DIRECTION_ASCENDING,
        )

    def view_in_words(self) -> str:
        """The valid filters and sort in words, for a file that holds this view, for example
        "Filtered: audience Victims; search “prison”. Sorted by: Principles met, highest first."
        ("" for the whole round in the report's order)."""
        filters = self.filters()
        labels = {name: dict(self.fields[name].choices) for name in ("audience", "outcome", "principle", "sort")}
        chosen = []
        if filters.audiences:
            names = ", ".join(str(labels["audience"][slug]) for slug in filters.audiences)
            chosen.append(_("audience %(names)s") % {"names": names})
        if filters.outcome:
            chosen.append(_("outcome %(outcome)s") % {"outcome": labels["outcome"][filters.outcome]})
        if filters.marks:
            marks = _(" or ").join(str(MARK_WORDS[mark]) for mark in filters.marks)
            chosen.append(_("only use cases marked %(marks)s") % {"marks": marks})
        if filters.principle and (filters.outcome or filters.marks):
            chosen.append(_("for principle %(name)s") % {"name": labels["principle"][filters.principle]})
        if filters.search:
            chosen.append(_("search “%(words)s”") % {"words": filters.search})
        sentences = (
            [_("Filtered: %(filters)s.") % {"filters": "; ".join(str(part) for part in chosen)}] if chosen else []
        )
        if filters.sort:
            direction = dict(DIRECTION_CHOICES)[filters.direction]
            sentences.append(
                _("Sorted by: %(sort)s, %(direction)s.")
                % {"sort": labels["sort"][filters.sort], "direction": str(direction).lower()}
            )
        return " ".join(str(sentence) for sentence in sentences)


class RoundComparisonForm(ErrorSummaryMixin, PortalForm):
    """The two rounds to put side by side (a GET form), and whether to show only what changed."""

    a = forms.ChoiceField(
        label=_("First round"),
        error_messages={"required": _("Choose the first round"), "invalid_choice": _("Choose a round from the list")},
    )
    b = forms.ChoiceField(
        label=_("Second round"),
        error_messages={"required": _("Choose the second round"), "invalid_choice": _("Choose a round from the list")},
    )
    changed = forms.BooleanField(label=_("Show only use cases that improved or worsened"), required=False)
    # One use case across the two rounds (the links from the table); empty: every use case.
    use_case = forms.SlugField(
        required=False, error_messages={"invalid": _("Choose a use case from the table of every use case")}
    )

    def __init__(self, *args, rounds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            self.fields[name].choices = [("", _("Choose a round")), *rounds]

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("a") == data.get("b"):
            self.add_error("b", _("Choose a second round that is different from the first"))
        return data

    def use_case_not_found(self) -> None:
        """The use case asked for is in neither round."""
        self.add_error("use_case", _("This use case is in neither round: choose one from the table of every use case"))


class AudienceViewForm(ErrorSummaryMixin, PortalForm):
    """The reviewing audience to split the matrix by (a GET form)."""

    audience = forms.ChoiceField(
        label=_("Reviewing audience"),
        error_messages={
            "required": _("Choose a reviewing audience"),
            "invalid_choice": _("Choose a reviewing audience from the list"),
        },
    )

    def __init__(self, *args, audiences: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [("", _("Choose an audience")), *audiences]


class ApiTokenForm(PortalForm):
    """A new API token: a name to recognise it by, and how many days it lasts."""

    name = forms.CharField(
        label=_("Name"),
        max_length=API_TOKEN_NAME_MAX,
        help_text=_('What the token is for, so you can recognise it later, for example "R notebook".'),
        error_messages={
            "required": _("Enter a name for the token"),
            "max_length": _("The name must be 100 characters or fewer"),
        },
    )
    days = forms.IntegerField(label=_("Expires after (days)"), initial=30)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = settings.API_TOKEN_MAX_DAYS
        days = self.fields["days"]
        between = _("Enter a whole number of days from 1 to %(most)d") % {"most": most}
        days.error_messages = {**days.error_messages, "required": between, "invalid": between}
        days.help_text = _("Every token expires, after at most %(most)d days. Make a new one when it does.") % {
            "most": most
        }
        self.helper = FormHelper()
        self.helper.form_show_errors = True
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.text("days", field_width=Fixed.FIVE),
            Button.primary("submit", _("Create the token")),
        )

    def clean_days(self):
        days = self.cleaned_data["days"]
        if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
            raise forms.ValidationError(self.fields["days"].error_messages["invalid"])
        return days


class ReasonResponseForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("What did you do about this reason?"),
        choices=ReasonResponse.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you changed the use case")},
    )
    text = limit_length(
        forms.CharField(
            label=_("What changed, or why not"),
            help_text=_(
                "The organisations that reviewed read this beside the next version's changes. "
                "Name the part you changed."
            ),
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={"required": _("Say what changed, or why you did not change it")},
        ),
        RESPONSE_TEXT_MAX,
        _("Your answer must be %(limit)s characters or fewer"),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(Field.radios("kind"), Field.textarea("text"), submit_label=_("Save the answer"))
        self.helper.form_tag = False
