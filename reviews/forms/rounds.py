"""Forms for the programme admins' round pages, laid out as GOV.UK forms. Each checks what a
person typed and names the field to fix; the services check the rest and say why."""

from decimal import Decimal

from crispy_forms_gds.layout import Field, Fieldset, Fixed, Fluid, Size
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from audiences.models import Audience
from bold_portal.forms import SEARCH_CONTROL_CHARACTER, PortalDateField, PortalForm, gds_form_helper, limit_length
from principles.models import Principle
from reviews.models import ROUND_NAME_MAX, ROUND_SLUG_MAX, ReviewRound
from reviews.selectors import rounds as round_selectors
from usecases.models import VERSION_TITLE_MAX

THRESHOLD_RANGE = _("Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


class RoundForm(PortalForm):
    """A round's settings: used to create a round, and to change one still in draft."""

    name = limit_length(
        forms.CharField(
            label=_("Name"),
            help_text=_("For example, Spring 2027 review of homelessness use cases."),
            error_messages={"required": _("Enter a name for the round")},
        ),
        ROUND_NAME_MAX,
        _("The name must be %(limit)s characters or fewer"),
    )
    slug = limit_length(
        forms.CharField(
            label=_("Short name for web addresses (optional)"),
            required=False,
            help_text=_("Lower-case letters, numbers and hyphens. Leave it empty to make one from the name."),
        ),
        ROUND_SLUG_MAX,
        _("The short name must be %(limit)s characters or fewer"),
    )
    opens_on = PortalDateField(label=_("Opening date"), required=False, help_text=_("For example, 1 3 2027"))
    closes_on = PortalDateField(label=_("Closing date"), required=False, help_text=_("For example, 31 3 2027"))
    follows_dates = forms.ChoiceField(
        label=_("Open and close the round on these dates by itself?"),
        choices=YES_NO,
        initial="no",
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "The round opens on its opening date if nothing stops it, even if the check before opening "
            "warns of something, and closes at the end of its closing date."
        ),
        error_messages={"required": _("Choose whether the round opens and closes on its dates by itself")},
    )
    threshold = forms.DecimalField(
        label=_("Threshold"),
        max_digits=3,
        decimal_places=2,
        initial=Decimal("0.50"),
        help_text=_(
            "A principle is met when more than this share of reviewers say it is, not counting "
            "those who are not sure. 0.5 is a simple majority: a tie is not met."
        ),
        error_messages={
            "required": _("Enter a threshold, such as 0.5 for a simple majority"),
            "invalid": _("Enter the threshold as a number, such as 0.5"),
            "max_digits": _("Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority"),
            "max_decimal_places": _("Enter the threshold with no more than 2 decimal places, such as 0.66"),
            "max_whole_digits": _("Enter a threshold of at least 0 and less than 1, such as 0.5 for a simple majority"),
        },
    )
    min_reviews = forms.IntegerField(
        label=_("Minimum number of reviews"),
        initial=2,
        help_text=_("With fewer reviews than this, a principle shows “Not enough reviews”."),
        error_messages={
            "required": _("Enter the minimum number of reviews"),
            "invalid": _("Enter the minimum number of reviews as a whole number, such as 2"),
        },
    )
    is_blind = forms.ChoiceField(
        label=_("Is the round blind?"),
        choices=YES_NO,
        initial="yes",
        widget=forms.RadioSelect,
        help_text=_("In a blind round, reviewers see nothing of other reviewers' answers before submitting their own."),
        error_messages={"required": _("Choose whether the round is blind")},
    )
    show_aggregate_to_reviewers = forms.ChoiceField(
        label=_("Do reviewers see what others said after they submit?"),
        choices=YES_NO,
        initial="yes",
        widget=forms.RadioSelect,
        help_text=_("A summary per principle, with other reviewers' words under numbers, never their names."),
        error_messages={"required": _("Choose whether reviewers see what others said")},
    )
    principles = forms.ModelMultipleChoiceField(
        label=_("Principles"),
        queryset=Principle.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The principles reviewers judge each use case against."),
        error_messages={
            "required": _("Choose at least one principle"),
            "invalid_choice": _("Choose principles from the list"),
            "invalid_pk_value": _("Choose principles from the list"),
        },
    )

    def __init__(self, *args, review_round: ReviewRound | None = None, submit_label=None, **kwargs):
        if review_round is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": review_round.name,
                    "slug": review_round.slug,
                    "opens_on": review_round.opens_on,
                    "closes_on": review_round.closes_on,
                    "follows_dates": _yes_no(review_round.follows_dates),
                    "threshold": review_round.threshold,
                    "min_reviews": review_round.min_reviews,
                    "is_blind": _yes_no(review_round.is_blind),
                    "show_aggregate_to_reviewers": _yes_no(review_round.show_aggregate_to_reviewers),
                    "principles": list(review_round.principles.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.review_round = review_round
        # Principles offered for new rounds, and any this round already uses.
        offered = Q(is_active=True)
        if review_round is not None:
            offered |= Q(pk__in=review_round.principles.values("pk"))
        self.fields["principles"].queryset = Principle.objects.filter(offered).order_by("order", "name")
        self.helper = gds_form_helper(
            Field.text("name", field_width=Fluid.FULL),
            Field.text("slug", field_width=Fluid.TWO_THIRDS),
            Field("opens_on"),
            Field("closes_on"),
            Field.radios("follows_dates", legend_size=Size.SMALL, inline=True),
            Fieldset(
                Field.text("threshold", field_width=Fixed.FOUR),
                Field.text("min_reviews", field_width=Fixed.TWO),
                legend=_("How a principle's outcome is decided"),
                legend_size=Size.MEDIUM,
            ),
            Field.radios("is_blind", legend_size=Size.SMALL, inline=True),
            Field.radios("show_aggregate_to_reviewers", legend_size=Size.SMALL, inline=True),
            Field.checkboxes("principles", legend_size=Size.SMALL),
            submit_label=submit_label or _("Create round"),
        )

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip()
        if slug and slugify(slug) != slug:
            raise ValidationError(_("The short name can only contain lower-case letters, numbers and hyphens"))
        return slug

    def clean_threshold(self):
        threshold = self.cleaned_data["threshold"]
        if not Decimal(0) <= threshold < Decimal(1):
            raise ValidationError(THRESHOLD_RANGE)
        return threshold

    def clean_min_reviews(self):
        min_reviews = self.cleaned_data["min_reviews"]
        if min_reviews < 1:
            raise ValidationError(_("Enter a minimum number of reviews of at least 1"))
        if min_reviews > 1000:
            raise ValidationError(_("Enter a minimum number of reviews of 1,000 or fewer"))
        return min_reviews

    def clean(self):
        return _slug_and_dates(self, super().clean())

    def round_fields(self) -> dict:
        """The cleaned answers as the services take them."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "principles": list(data["principles"]),
            "threshold": data["threshold"],
            "min_reviews": data["min_reviews"],
            "is_blind": data["is_blind"] == "yes",
            "show_aggregate_to_reviewers": data["show_aggregate_to_reviewers"] == "yes",
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
            "follows_dates": data["follows_dates"] == "yes",
        }


def _slug_and_dates(form, cleaned: dict) -> dict:
    """A round form's short name (made from the name when empty, not taken by another round) and
    dates (closing on or after opening; both when the round follows them)."""
    name = cleaned.get("name")
    if name is not None and "slug" in cleaned and not cleaned["slug"]:
        cleaned["slug"] = slugify(name)[:ROUND_SLUG_MAX].strip("-")
        if not cleaned["slug"]:
            form.add_error("slug", _("Enter a short name: the name has no letters or numbers to make one from"))
    slug = cleaned.get("slug")
    if slug:
        taken = ReviewRound.objects.filter(slug=slug)
        if form.review_round is not None:
            taken = taken.exclude(pk=form.review_round.pk)
        if taken.exists():
            form.add_error("slug", _("Another round already uses this short name. Choose a different one"))
    opens_on, closes_on = cleaned.get("opens_on"), cleaned.get("closes_on")
    if opens_on and closes_on and closes_on < opens_on:
        form.add_error("closes_on", _("The closing date must be on or after the opening date"))
    dates_given = (opens_on and closes_on) or form.has_error("opens_on") or form.has_error("closes_on")
    if cleaned.get("follows_dates") == "yes" and not dates_given:
        form.add_error(
            "follows_dates", _("Enter an opening date and a closing date for the round to open and close on them")
        )
    return cleaned


class RuleForm(PortalForm):
    """The rule of an open round: only this can change once reviewers have started."""

    threshold = RoundForm.base_fields["threshold"]
    min_reviews = RoundForm.base_fields["min_reviews"]
    clean_threshold = RoundForm.clean_threshold
    clean_min_reviews = RoundForm.clean_min_reviews

    def __init__(self, *args, review_round: ReviewRound, **kwargs):
        kwargs.setdefault("initial", {"threshold": review_round.threshold, "min_reviews": review_round.min_reviews})
        super().__init__(*args, **kwargs)
        self.helper = gds_form_helper(
            Field.text("threshold", field_width=Fixed.FOUR),
            Field.text("min_reviews", field_width=Fixed.TWO),
            submit_label=_("Change the rule"),
        )


class FlagRuleForm(PortalForm):
    """Which audiences' "does not meet" flags a cell for discussion (none: no flags)."""

    audiences = forms.ModelMultipleChoiceField(
        label=_("Flag a cell for discussion when an organisation serving one of these audiences says it does not meet"),
        queryset=Audience.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose none to flag nothing. Flags never change an outcome."),
        error_messages={
            "invalid_choice": _("Choose audiences from the list"),
            "invalid_pk_value": _("Choose audiences from the list"),
        },
    )

    def __init__(self, *args, review_round: ReviewRound, **kwargs):
        kwargs.setdefault("initial", {"audiences": list(review_round.flag_audiences.all())})
        super().__init__(*args, **kwargs)
        self.fields["audiences"].queryset = Audience.objects.order_by("display_order", "name")
        self.helper = gds_form_helper(
            Field.checkboxes("audiences", legend_size=Size.MEDIUM), submit_label=_("Save the flag rule")
        )


class VersionFilterForm(PortalForm):
    """Which use case versions the chooser lists (a GET form)."""

    audience = forms.ChoiceField(
        label=_("Audience"), required=False, error_messages={"invalid_choice": _("Choose an audience from the list")}
    )
    search = limit_length(
        forms.CharField(label=_("Title contains"), required=False),
        VERSION_TITLE_MAX,
        _("Search for %(limit)s characters or fewer"),
    )
    every_version = forms.BooleanField(label=_("Show earlier versions too"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [("", _("All audiences"))] + [
            (audience.slug, audience.name) for audience in round_selectors.audiences()
        ]

    def control_character_message(self, name: str) -> str:
        return str(SEARCH_CONTROL_CHARACTER) if name == "search" else super().control_character_message(name)

    def problem(self) -> str:
        """Why the filter cannot be used, for the page's error summary; "" when it can."""
        return " ".join(message for messages in self.errors.values() for message in messages)

    def filters(self) -> dict:
        """The filter as candidate_versions takes it; an unknown audience lists everything."""
        if not self.is_valid():
            return {"audience": "", "search": "", "every_version": False}
        return {
            "audience": self.cleaned_data["audience"],
            "search": self.cleaned_data["search"].strip(),
            "every_version": self.cleaned_data["every_version"],
        }


def _id_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise ValidationError(_("The form is out of date. Reload the page and try again.")) from error


class VersionChoiceForm(PortalForm):
    """One page of the version chooser: the ids shown (one hidden field) and those ticked."""

    shown = forms.CharField(widget=forms.HiddenInput)
    chosen = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shown"].error_messages["required"] = _("The form is out of date. Reload the page and try again.")
        try:
            shown = _id_list(self.data.get("shown", "")) if self.is_bound else []
        except ValidationError:
            shown = []  # clean_shown says so
        if len(shown) > round_selectors.VERSIONS_PER_PAGE:
            shown = []
        self.fields["chosen"].choices = [(pk, pk) for pk in shown]
        self.fields["chosen"].error_messages["invalid_choice"] = _(
            "The form is out of date. Reload the page and try again."
        )

    def clean_shown(self):
        shown = _id_list(self.cleaned_data["shown"])
        if len(shown) > round_selectors.VERSIONS_PER_PAGE:
            raise ValidationError(_("The form is out of date. Reload the page and try again."))
        return shown

    def changes(self) -> tuple[list[int], list[int]]:
        """(ids to add, ids to remove): ticked ones are in the round, the others shown are not."""
        chosen = set(self.cleaned_data["chosen"])
        return sorted(chosen), sorted(set(self.cleaned_data["shown"]) - chosen)


class RoundCopyForm(PortalForm):
    """A new round's name and dates, copying the rest from a previous round."""

    name = RoundForm.base_fields["name"]
    slug = RoundForm.base_fields["slug"]
    opens_on = RoundForm.base_fields["opens_on"]
    closes_on = RoundForm.base_fields["closes_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.review_round = None
        self.helper = gds_form_helper(
            Field.text("name", field_width=Fluid.FULL),
            Field.text("slug", field_width=Fluid.TWO_THIRDS),
            Field("opens_on"),
            Field("closes_on"),
            submit_label=_("Copy the round"),
        )

    clean_slug = RoundForm.clean_slug

    def clean(self):
        return _slug_and_dates(self, super().clean())
