"""Every page registered in the Django admin, the packages' included, changes nothing
(bold_portal.admin.ReadOnlyAdmin), and no page shows a two-factor secret. A new admin class that
writes fails test_every_admin_page_is_read_only. Use cases are written on the authoring pages."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.services.two_factor import recovery_codes_regenerate
from bold_portal.models import AuditEvent
from principles.models import Principle
from tests.factories import make_analyst, make_user, make_version
from tests.two_factor import app_device_for
from usecases.models import UseCase, UseCaseVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = make_user(email="root@bold.example", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def writes(model_admin, request) -> list[str]:
    """What a model admin lets a superuser change."""
    writes = []
    for obj in (None, model_admin.model()):
        if model_admin.has_change_permission(request, obj):
            writes.append("change")
        if model_admin.has_delete_permission(request, obj):
            writes.append("delete")
    if model_admin.get_actions(request):
        writes.append(f"bulk actions {sorted(model_admin.get_actions(request))}")
    if model_admin.has_add_permission(request):
        writes.append("add")
    return sorted(set(writes))


def superuser_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_admin_page_is_read_only(superuser):
    request = superuser_request(superuser)
    registry = admin.site._registry

    found = {model._meta.label: writes(page, request) for model, page in registry.items()}

    assert {label: changes for label, changes in found.items() if changes} == {}
    # The packages' own pages are covered too.
    assert {"auth.Group", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"} <= found.keys()


def test_the_walk_finds_a_writable_admin_page(superuser):
    """The check above is not vacuous: a plain ModelAdmin, as `admin.site.register(Model)` makes,
    fails it."""
    site = AdminSite(name="probe")
    site.register(Principle)

    assert writes(site._registry[Principle], superuser_request(superuser)) == [
        "add",
        "bulk actions ['delete_selected']",
        "change",
        "delete",
    ]


def test_two_factor_devices_have_no_admin_page(client, superuser):
    for model in (TOTPDevice, StaticDevice):
        assert model not in admin.site._registry
        with pytest.raises(NoReverseMatch):
            admin_url(model, "changelist")
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_no_admin_page_shows_an_authenticator_key_or_a_recovery_code(client, superuser):
    analyst = make_analyst()
    device = app_device_for(analyst)
    codes = recovery_codes_regenerate(user=analyst)
    secrets_shown = [device.key, two_factor.secret_for_people(device.key).replace(" ", ""), *codes]

    for model in admin.site._registry:
        pages = [admin_url(model, "changelist")]
        pages += [admin_url(model, "change", pk) for pk in model._default_manager.values_list("pk", flat=True)[:20]]
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            text = re.sub(r"\s", "", response.text)
            assert not [secret for secret in secrets_shown if secret in text], page


@pytest.mark.parametrize("model", [UseCase, UseCaseVersion], ids=lambda model: model.__name__)
def test_use_cases_have_no_add_page_in_the_admin(client, superuser, model):
    """Authors and programme admins write use cases on the authoring pages (docs/authors.md)."""
    make_version()
    audited, rows = AuditEvent.objects.count(), model._default_manager.count()

    page = client.get(admin_url(model, "add"))
    posted = client.post(admin_url(model, "add"), {"slug": "new", "title": "New"})

    assert (page.status_code, posted.status_code) == (403, 403)
    assert model._default_manager.count() == rows and AuditEvent.objects.count() == audited
