"""An organisation's page where its lead says whether the public register may name it
(/organisations/<slug>/public-register/): leads of the organisation change it; programme admins
may read it."""

import rules
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audiences.models import Membership, Organisation
from bold_portal.forms import attempt
from register.forms import NameConsentForm
from register.models import NameConsent
from register.services import register_name_consent_set


@require_http_methods(["GET", "POST"])
def name_consent(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    if not rules.has_perm("audiences.manage_organisation", request.user, organisation):
        raise Http404
    consent = NameConsent.objects.filter(organisation=organisation).first()
    agreed = consent is not None and consent.agreed
    is_lead = Membership.objects.filter(
        organisation=organisation, user=request.user, role=Membership.Role.LEAD
    ).exists()
    form = NameConsentForm(
        request.POST if request.method == "POST" else None, initial={"agreed": "yes" if agreed else "no"}
    )
    if is_lead and request.method == "POST" and form.is_valid():
        done = attempt(
            form,
            lambda: register_name_consent_set(
                organisation=organisation, agreed=form.cleaned_data["agreed"] == "yes", actor=request.user
            ),
        )
        if done is not None:
            messages.success(request, _("Saved. The register changes when each use case is next published."))
            return redirect("register:name_consent", organisation.slug)
    return render(
        request,
        "register/name_consent.html",
        {"organisation": organisation, "agreed": agreed, "is_lead": is_lead, "form": form, "current": "register"},
        status=400 if form.errors else 200,
    )
