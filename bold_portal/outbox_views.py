"""The programme admins' outbox (/manage/outbox/): every email the portal has stored, filtered by
kind and status, each on a page of its own, and a failed one sent again. Admins only: anyone else
gets a 404. A body holding a link that works as a key is never shown."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from bold_portal.access import admin_only
from bold_portal.email import outbox_message_resend
from bold_portal.email_previews import EMAIL_KINDS, email_kind, email_preview
from bold_portal.forms import PortalForm
from bold_portal.models import OutboxMessage
from bold_portal.pagination import paginate


class OutboxFilterForm(PortalForm):
    kind = forms.ChoiceField(label=_("Kind of email"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *OutboxMessage.Status.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = OutboxMessage.objects.order_by("kind").values_list("kind", flat=True).distinct()
        self.fields["kind"].choices = [("", _("Any kind")), *((kind, kind) for kind in kinds)]
        self.fields["kind"].error_messages["invalid_choice"] = _("Choose a kind of email from the list")
        self.fields["status"].error_messages["invalid_choice"] = _("Choose a status from the list")
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_show_errors = True
        self.helper.attrs = {"novalidate": ""}
        self.helper.layout = Layout(
            Field.select("kind"), Field.select("status"), Button.primary("filter", _("Filter the outbox"))
        )


def outbox_messages(*, kind: str = "", status: str = ""):
    """The stored emails, newest first, of one kind and status where given."""
    messages_ = OutboxMessage.objects.all()
    if kind:
        messages_ = messages_.filter(kind=kind)
    if status == OutboxMessage.Status.SENT:
        messages_ = messages_.filter(sent_at__isnull=False)
    elif status == OutboxMessage.Status.FAILED:
        messages_ = messages_.filter(sent_at__isnull=True).exclude(error="")
    elif status == OutboxMessage.Status.QUEUED:
        messages_ = messages_.filter(sent_at__isnull=True, error="")
    return messages_.defer("text", "html")


@admin_only
def outbox(request):
    form = OutboxFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        rows = outbox_messages(kind=form.cleaned_data["kind"], status=form.cleaned_data["status"])
    elif form.is_bound:
        rows = OutboxMessage.objects.none()
    else:
        rows = outbox_messages()
    page = paginate(rows, request.GET.get("page"))
    return render(request, "manage/outbox.html", {"form": form, "page_obj": page, "rows": page.object_list})


@admin_only
def outbox_message(request, pk: int):
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "manage/outbox_message.html", {"message": message})


@admin_only
def outbox_message_resend_view(request, pk: int):
    """POST sends a failed email again; GET shows the message, with its button."""
    message = get_object_or_404(OutboxMessage, pk=pk)
    if request.method != "POST":
        return render(request, "manage/outbox_message.html", {"message": message})
    try:
        outbox_message_resend(message=message, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The email will be sent again in a moment."))
    return redirect("manage_outbox_message", pk=message.pk)


@admin_only
def outbox_previews(request):
    """Every kind of email, each linking to its preview with sample data."""
    return render(request, "manage/outbox_previews.html", {"kinds": EMAIL_KINDS})


@admin_only
def outbox_preview(request, kind: str):
    found = email_kind(kind)
    if found is None:
        raise Http404
    return render(request, "manage/outbox_preview.html", {"preview": email_preview(found)})
