"""The admins' form for a lexicon entry, laid out as a GOV.UK form."""

from crispy_forms_gds.layout import Field, Fluid, Size
from django import forms
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience
from audiences.selectors import audiences_offered
from bold_portal.forms import PortalForm, gds_form_helper, limit_length
from language.lexicon_file import source_citation, sources
from language.models import SUGGESTION_MAX, TERM_MAX, EntryKind


class LexiconEntryForm(PortalForm):
    term = limit_length(
        forms.CharField(
            label=_("Term"),
            help_text=_(
                "As a dictionary writes it, for example de-identified. Plurals, hyphens and capitals are found too."
            ),
            error_messages={"required": _("Enter the term")},
        ),
        TERM_MAX,
        _("Term must be %(limit)s characters or fewer"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=EntryKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of term"), "invalid_choice": _("Choose a kind from the list")},
    )
    audience = forms.ModelChoiceField(
        label=_("Audience whose term it is (only for another audience's term)"),
        queryset=audiences_offered(),
        required=False,
        to_field_name="slug",
        empty_label=_("None"),
        error_messages={"invalid_choice": _("Choose an audience from the list")},
    )
    suggestion = limit_length(
        forms.CharField(
            label=_("Suggestion (optional for a name)"),
            help_text=_("What to write instead, or what to do, as authors will read it beside the hit."),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        ),
        SUGGESTION_MAX,
        _("Suggestion must be %(limit)s characters or fewer"),
    )
    source = forms.ChoiceField(
        label=_("Source"),
        help_text=_("The report, or a published guide summarised in the portal's documentation."),
        error_messages={"required": _("Choose the source"), "invalid_choice": _("Choose a source from the list")},
    )
    is_active = forms.BooleanField(label=_("Check texts for this term"), required=False)

    def __init__(self, *args, adding: bool, audience: Audience | None = None, **kwargs):
        """audience: the entry's own, offered even when archived, so that a change does not drop it."""
        super().__init__(*args, **kwargs)
        self.fields["audience"].queryset = audiences_offered(keep=[audience] if audience else ())
        citations = [(key, source_citation(key)) for key in sources()]
        self.fields["source"].choices = [("", _("Choose a source")), *citations]
        fields = [
            Field.text("term", field_width=Fluid.TWO_THIRDS),
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Field.select("audience"),
            Field.textarea("suggestion"),
            Field.select("source"),
        ]
        if adding:
            del self.fields["is_active"]
        else:
            fields.append(Field.checkbox("is_active"))
        self.helper = gds_form_helper(*fields, submit_label=_("Add entry") if adding else _("Save changes"))
