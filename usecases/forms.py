"""The authors' forms: start a use case, write one section of its draft, its data flows as rows,
publish it. Every text field says its limit when it is passed; nothing is cut short."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audiences.models import Organisation
from bold_portal.forms import PortalForm, gds_form_helper, limit_length
from language.models import HIT_TEXT_MAX, REASON_MAX, HitKind
from usecases.models import (
    DATA_FLOW_VALUE_MAX,
    DATA_FLOWS_MAX,
    VERSION_CHANGE_SUMMARY_MAX,
    VERSION_TEXT_MAX,
    VERSION_TITLE_MAX,
    DataParty,
)
from usecases.sections import DRAFT_FIELDS, Section

# Each field of a draft: its label and the hint that says what a reviewer looks for.
DRAFT_FIELD_TEXT = {
    "title": (_("Title"), _("A short name for the use case, such as Repeat homelessness after prison.")),
    "impact_statement": (
        _("Why this matters to the audience"),
        _("Lead with the impact for the people concerned: what could change for them."),
    ),
    "research_questions": (_("Research questions"), _("One question per line.")),
    "will_do": (_("What BOLD will do"), _("One point per line.")),
    "wont_do": (_("What BOLD will not do"), _("One point per line, such as: make decisions about one person.")),
    "consent": (_("Consent"), _("Whether people are asked, and if not, why the law allows the use.")),
    "anonymity": (_("Anonymity"), _("How people are kept from being identified.")),
    "individual_impact": (
        _("Impact on individuals"),
        _("Whether anything is decided about one person, or the analysis is only of groups."),
    ),
    "security": (_("Security and governance"), _("Who can see the data, where it is kept and who oversees it.")),
}


def _text_field(name: str) -> forms.CharField:
    label, hint = DRAFT_FIELD_TEXT[name]
    limit = VERSION_TITLE_MAX if name == "title" else VERSION_TEXT_MAX
    widget = forms.TextInput if name == "title" else forms.Textarea(attrs={"rows": 6})
    return limit_length(
        forms.CharField(label=label, help_text=hint, required=False, strip=False, widget=widget),
        limit,
        _("%(field)s must be %%(limit)s characters or fewer") % {"field": label},
    )


def _revision_field() -> forms.IntegerField:
    """Which save of the draft the page was opened at (usecases.services.use_case_draft_save)."""
    message = _("This page could not be read. Copy what you typed, then open the page again")
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": message, "invalid": message, "min_value": message},
    )


class RevisionForm(PortalForm):
    """A form carrying the draft's revision in a hidden field, whose error shows above the form
    (a hidden field has no place of its own to show one)."""

    def _post_clean(self):
        super()._post_clean()
        for message in self._errors.pop("revision", []):
            self.add_error(None, message)


class DraftSectionForm(RevisionForm):
    """One section of a draft. Every field may be left empty: a draft saves as it is."""

    revision = _revision_field()

    def __init__(self, *args, section: Section, **kwargs):
        super().__init__(*args, **kwargs)
        for name in section.fields:
            self.fields[name] = _text_field(name)
        self.helper = gds_form_helper("revision", *section.fields, submit_label=_("Save and continue"))

    @property
    def changes(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}


# The id of the page's list of data parties, which "from" and "to" suggest from (a browser's own list: no JavaScript).
PARTY_LIST_ID = "data-parties"


def _flow_field(label, *, hint="", parties: bool = False) -> forms.CharField:
    widget = forms.TextInput(attrs={"list": PARTY_LIST_ID, "autocomplete": "off"} if parties else {})
    return limit_length(
        forms.CharField(label=label, help_text=hint, required=False, widget=widget),
        DATA_FLOW_VALUE_MAX,
        _("%(field)s must be %%(limit)s characters or fewer") % {"field": label},
    )


# Form field -> the key the flow is stored under ("from" cannot be a Python name).
FLOW_KEYS = {
    "information": "information",
    "source": "from",
    "recipient": "to",
    "purpose": "purpose",
    "legal_basis": "legal_basis",
}


class DataFlowForm(PortalForm):
    """One data flow: which category of information goes from whom to whom, why, and on what legal basis."""

    information = _flow_field(_("Category of information"), hint=_("Such as housing status or time in prison."))
    source = _flow_field(_("From"), hint=_("Who the information comes from: a data party from the list."), parties=True)
    recipient = _flow_field(_("To"), hint=_("Who receives it: a data party from the list."), parties=True)
    purpose = _flow_field(_("Purpose"))
    legal_basis = _flow_field(_("Legal basis"), hint=_("Such as the Digital Economy Act 2017."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*(Field.text(name) for name in FLOW_KEYS))

    @property
    def flow(self) -> dict:
        return {key: self.cleaned_data.get(name, "") for name, key in FLOW_KEYS.items()}


class BaseDataFlowFormSet(forms.BaseFormSet):
    def flows(self, *, without: int | None = None) -> list[dict]:
        """The rows sent, in order, leaving out the one removed and rows left wholly empty."""
        return [
            form.flow
            for index, form in enumerate(self.forms)
            if index != without and any(value.strip() for value in form.flow.values())
        ]


DataFlowFormSet = forms.formset_factory(
    DataFlowForm,
    formset=BaseDataFlowFormSet,
    extra=0,
    max_num=DATA_FLOWS_MAX,
    validate_max=True,
    absolute_max=DATA_FLOWS_MAX,
)


def data_flow_formset(data=None, *, flows=()) -> BaseDataFlowFormSet:
    """The rows as saved (one empty row for none); bound, only what was sent counts, so a row sent
    unchanged is kept like any other."""
    if data is not None:
        return DataFlowFormSet(data, prefix="flow")
    initial = [{name: flow.get(key, "") for name, key in FLOW_KEYS.items()} for flow in flows]
    return DataFlowFormSet(initial=initial or [{}], prefix="flow")


class UseCaseStartForm(PortalForm):
    audience = forms.ModelChoiceField(
        label=_("Audience"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the audience the use case is for"),
            "invalid_choice": _("Choose one of your audiences"),
        },
    )
    title = limit_length(
        forms.CharField(
            label=DRAFT_FIELD_TEXT["title"][0],
            help_text=DRAFT_FIELD_TEXT["title"][1],
            error_messages={"required": _("Enter a title for the use case")},
        ),
        VERSION_TITLE_MAX,
        _("Title must be %(limit)s characters or fewer"),
    )

    def __init__(self, *args, audiences, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].queryset = audiences
        self.helper = gds_form_helper(Field.radios("audience"), "title", submit_label=_("Start writing"))


class PublishForm(RevisionForm):
    revision = _revision_field()
    change_summary = limit_length(
        forms.CharField(
            label=_("What changed from the last version (optional)"),
            help_text=_("Reviewers read this first, above the new version."),
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
        ),
        VERSION_CHANGE_SUMMARY_MAX,
        _("What changed must be %(limit)s characters or fewer"),
    )
    # The keys of what the page listed that publishing takes away (usecases.consequences).
    expected = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, revises: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = ["revision", "expected", "change_summary"] if revises else ["revision", "expected"]
        if not revises:
            del self.fields["change_summary"]
        self.helper = gds_form_helper(*fields, submit_label=_("Publish as a new version"))

    def clean_expected(self) -> list[str]:
        return [key for key in self.cleaned_data["expected"].split(",") if key]


class DataPartyForm(PortalForm):
    name = limit_length(
        forms.CharField(
            label=_("Name"),
            help_text=_("As reviewers will read it, such as HM Prison and Probation Service."),
            error_messages={"required": _("Enter the data party's name")},
        ),
        DATA_FLOW_VALUE_MAX,
        _("Name must be %(limit)s characters or fewer"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=DataParty.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what kind of party it is"),
            "invalid_choice": _("Choose public body, service provider, charity or other"),
        },
    )
    organisation = forms.ModelChoiceField(
        label=_("Is it an organisation in the portal? (optional)"),
        help_text=_(
            "Naming it in a published version then counts as that organisation's declared interest in the "
            "use case: it is not given the use case to review."
        ),
        queryset=Organisation.objects.filter(data_party__isnull=True).order_by("name"),
        required=False,
        empty_label=_("No, it is not"),
        error_messages={"invalid_choice": _("Choose an organisation from the list")},
    )

    def __init__(self, *args, party: DataParty | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if party is not None:
            # Changing a party: its own organisation is still on offer, and the hint says what unlinking does.
            free = Q(data_party__isnull=True) | Q(data_party=party)
            self.fields["organisation"].queryset = Organisation.objects.filter(free).order_by("name")
            self.fields["organisation"].help_text = _(
                "Linking counts from the next version published that names the party. Unlinking leaves the "
                "interests already declared standing: withdraw one on the declared interests page if it no "
                "longer holds."
            )
        submit = _("Save changes") if party is not None else _("Add to the list")
        self.helper = gds_form_helper("name", Field.radios("kind"), "organisation", submit_label=submit)


class DataPartyMergeForm(PortalForm):
    """Choose the party to keep; then a page of its own asks to confirm (confirmed)."""

    into = forms.ModelChoiceField(
        label=_("Which party should it be merged into?"),
        help_text=_("The party that stays on the list. Drafts that name this party will name that one."),
        queryset=DataParty.objects.none(),
        empty_label=_("Choose a party"),
        error_messages={
            "required": _("Choose the party to keep"),
            "invalid_choice": _("Choose the party to keep from the list"),
        },
    )
    confirmed = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, party: DataParty, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = DataParty.objects.exclude(pk=party.pk).order_by("name")
        self.helper = gds_form_helper("into", submit_label=_("Continue"))


GONE_MESSAGE = _(
    "This point is no longer in the text: it may have been fixed. Go back to the draft to see what is left."
)


class HitDismissForm(PortalForm):
    """Dismiss one of the language checker's hits with the reason. The hidden fields name the hit as
    the page showed it; one that is no longer in the text is refused by the view."""

    part = forms.ChoiceField(choices=[(name, name) for name in DRAFT_FIELDS], widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=HitKind.choices, widget=forms.HiddenInput)
    text = forms.CharField(max_length=HIT_TEXT_MAX, widget=forms.HiddenInput)
    occurrence = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = limit_length(
        forms.CharField(
            label=_("Why is this not a problem here?"),
            help_text=_("Reviewers do not see this. It is kept with the use case."),
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": _("Enter why this is not a problem here")},
        ),
        REASON_MAX,
        _("The reason must be %(limit)s characters or fewer"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper("part", "kind", "text", "occurrence", "reason", submit_label=_("Dismiss"))

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in ("part", "kind", "text", "occurrence")):
            for name in ("part", "kind", "text", "occurrence"):
                self.errors.pop(name, None)
            raise forms.ValidationError(GONE_MESSAGE, code="gone")
        return cleaned


class VersionPairForm(PortalForm):
    """Which two versions of a use case to compare (sent by GET, so a comparison can be linked to)."""

    earlier = forms.TypedChoiceField(
        label=_("Compare version"), coerce=int, error_messages={"invalid_choice": _("Choose a version from the list")}
    )
    later = forms.TypedChoiceField(
        label=_("with version"), coerce=int, error_messages={"invalid_choice": _("Choose a version from the list")}
    )

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("earlier", "later"):
            self.fields[name].choices = [(number, number) for number in numbers]
            self.fields[name].error_messages["required"] = _("Choose a version from the list")
        self.helper = gds_form_helper("earlier", "later", submit_label=_("Compare"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("earlier") is not None and cleaned.get("earlier") == cleaned.get("later"):
            self.add_error("later", _("Choose a different version to compare with"))
        return cleaned
