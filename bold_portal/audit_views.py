"""The programme admins' audit trail (/manage/audit/): every state change, filtered by person,
object, action and date, and downloaded as CSV. Admins only: anyone else gets a 404."""

import csv

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size
from django import forms
from django.contrib.auth import get_user_model
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bold_portal import audit_actions
from bold_portal.access import admin_only
from bold_portal.audit_actions import current_object_type
from bold_portal.audit_selectors import (
    AuditFilters,
    Names,
    actor_text,
    audit_events,
    audit_row,
    changes,
    csv_rows,
    detail_lines,
    message,
    object_type_label,
    object_types,
)
from bold_portal.forms import PortalDateField, PortalForm
from bold_portal.models import AuditEvent
from bold_portal.pagination import paginate
from bold_portal.services import audit_trail_download_record


class AuditFilterForm(PortalForm):
    email = forms.CharField(
        label=_("Person's email address"),
        required=False,
        max_length=254,
        help_text=_("Shows what this person did."),
        error_messages={"max_length": _("The email address must be 254 characters or fewer")},
    )
    object_type = forms.ChoiceField(label=_("Kind of thing"), required=False)
    object_id = forms.CharField(
        label=_("Its number (optional)"),
        required=False,
        max_length=40,
        help_text=_("The number the trail gives it, such as 12."),
        error_messages={"max_length": _("The number must be 40 characters or fewer")},
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = PortalDateField(label=_("From date"), required=False, help_text=_("For example, 1 3 2027"))
    date_to = PortalDateField(label=_("To date"), required=False, help_text=_("For example, 31 3 2027"))

    def __init__(self, *args, object_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Any")), *object_types]
        self.fields["action"].choices = [("", _("Any action"))] + [
            (action.code, action.label) for action in audit_actions.all_actions()
        ]
        self.scope_keys = []
        for scope in audit_actions.scopes():  # by name: "about this round", "about this organisation"
            self.fields[scope.key] = forms.ChoiceField(
                label=scope.label,
                required=False,
                choices=[("", _("Any")), *scope.choices()],
                error_messages={"invalid_choice": _("Choose %(thing)s from the list") % {"thing": scope.choose}},
            )
            self.scope_keys.append(scope.key)
        self.fields["object_type"].error_messages["invalid_choice"] = _("Choose a kind of thing from the list")
        self.fields["action"].error_messages["invalid_choice"] = _("Choose an action from the list")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_show_errors = True
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field.text("email"),
            *(Field.select(key) for key in self.scope_keys),
            Fieldset(
                Field.select("object_type"),
                Field.text("object_id", field_width=10),
                legend=_("What it was done to"),
                legend_size=Size.SMALL,
            ),
            Field.select("action"),
            Field("date_from"),
            Field("date_to"),
            Button.primary("filter", _("Filter the trail")),
        )

    def clean_object_id(self):
        return self.cleaned_data["object_id"].strip()

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The to date must be the same as or after the from date"))
        return cleaned

    def filters(self) -> AuditFilters:
        names = [name for name in AuditFilters.__dataclass_fields__ if name != "scopes"]
        return AuditFilters(
            **{name: self.cleaned_data[name] for name in names},
            scopes=tuple((key, self.cleaned_data[key]) for key in self.scope_keys if self.cleaned_data[key]),
        )


def _form(request) -> AuditFilterForm:
    return AuditFilterForm(request.GET or None, object_types=object_types())


@admin_only
def audit_trail(request):
    form = _form(request)
    page = None
    if form.is_bound and not form.is_valid():
        events = None
    else:
        filters = form.filters() if form.is_bound else AuditFilters()
        page = paginate(audit_events(filters), request.GET.get("page"))
        names = Names(page.object_list)
        events = [_event_context(event, names) for event in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "manage/audit_trail.html",
        {"form": form, "page_obj": page, "events": events, "query": query.urlencode()},
    )


def _event_context(event, names: Names) -> dict:
    return {
        "event": event,
        "who": actor_text(event.actor),
        "message": message(event, names),
        "object": object_type_label(event.object_type),
        "object_text": names.object_text(event),
        "object_type": current_object_type(event.object_type),
        "changes": changes(event, names),
        "details": detail_lines(event, names),
    }


@admin_only
def audit_event(request, pk: int):
    """One row of the trail on a page of its own, with all it lists (the pairs of a bulk action)."""
    event = get_object_or_404(AuditEvent.objects.select_related("actor"), pk=pk)
    names = Names([event])
    pairs = audit_actions.pairs(event.action, audit_row(event, names))
    return render(request, "manage/audit_event.html", {"item": _event_context(event, names), "pairs": pairs})


class _Echo:
    """csv.writer writes to this, which hands each line straight back for streaming."""

    def write(self, value):
        return value


@admin_only
def audit_trail_download(request):
    """The filtered rows as CSV, streamed; recorded in the trail itself (audit_downloaded)."""
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return audit_trail(request)
    filters = form.filters() if form.is_bound else AuditFilters()
    person = get_user_model().objects.filter(email__iexact=filters.email).first() if filters.email else None
    audit_trail_download_record(actor=request.user, filters=filters, person_id=getattr(person, "pk", None))
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in csv_rows(audit_events(filters))), content_type="text/csv; charset=utf-8"
    )
    name = f"bold-audit-trail-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
