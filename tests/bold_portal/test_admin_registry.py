"""Every page registered in the Django admin, the packages' included, either changes nothing or adds
through the model's service with its audit row (bold_portal.admin: ReadOnlyAdmin and
AddThroughServiceAdmin), and no page shows a two-factor secret. A new admin class that is neither
fails test_every_admin_page_is_read_only_or_adds_through_its_service."""

import json
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
from bold_portal.admin import AddThroughServiceAdmin
from bold_portal.models import AuditEvent
from principles.models import Principle
from tests.factories import make_audience, make_user, make_version
from tests.matrix.analyst_support import make_analyst
from tests.two_factor import app_device_for
from usecases.models import UseCase, UseCaseVersion

pytestmark = pytest.mark.django_db


def version_text(**extra) -> dict:
    """A version's fields as the add pages post them."""
    return {
        "title": "Repeat homelessness",
        "impact_statement": "Why this matters to people who have been homeless more than once.",
        "research_questions": "How many people return to services?\nWhat helps them stay housed?",
        "data_flows": json.dumps([{"information": "Housing outcomes", "from": "Councils", "to": "ONS"}]),
        "will_do": "Publish counts of 10 or more",
        "wont_do": "Share names",
        **extra,
    }


def use_case_add_post(audience, **extra) -> dict:
    return {
        "audience": audience.pk,
        "slug": "repeat-homelessness",
        "display_order": "1",
        **version_text(),
        "_save": "Save",
        **extra,
    }


def version_add_post(use_case, **extra) -> dict:
    return {"use_case": use_case.pk, **version_text(title="Repeat homelessness, revised"), "change_summary": "Clearer"}


# The admin classes allowed to add rows, each through its service: the add form as posted, the
# audit row that add must write, and the row it makes.
SERVICE_BACKED = {
    UseCase: {
        "post": lambda world: use_case_add_post(world["audience"]),
        "audit": ["use_case_created", "use_case_version_created"],
        "made": lambda: UseCaseVersion.objects.get(use_case__slug="repeat-homelessness", number=1),
    },
    UseCaseVersion: {
        "post": lambda world: version_add_post(world["use_case"]),
        "audit": ["use_case_version_created"],
        "made": lambda: UseCaseVersion.objects.get(title="Repeat homelessness, revised", number=2),
    },
}


@pytest.fixture
def superuser(client):
    user = make_user(email="root@bold.example", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def world(superuser):
    audience = make_audience(name="Homelessness")
    return {"audience": audience, "use_case": make_version(audience=audience).use_case}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def writes_without_a_service(model_admin, request) -> list[str]:
    """What a model admin lets a superuser change other than by adding through its service."""
    writes = []
    for obj in (None, model_admin.model()):
        if model_admin.has_change_permission(request, obj):
            writes.append("change")
        if model_admin.has_delete_permission(request, obj):
            writes.append("delete")
    if model_admin.get_actions(request):
        writes.append(f"bulk actions {sorted(model_admin.get_actions(request))}")
    if model_admin.has_add_permission(request):
        if not isinstance(model_admin, AddThroughServiceAdmin) or model_admin.model not in SERVICE_BACKED:
            writes.append("add (not through a service listed in SERVICE_BACKED)")
        if model_admin.get_inline_instances(request, None):
            writes.append("rows added inline beside the service")
    return sorted(set(writes))


def superuser_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_every_admin_page_is_read_only_or_adds_through_its_service(superuser):
    request = superuser_request(superuser)
    registry = admin.site._registry

    found = {model._meta.label: writes_without_a_service(page, request) for model, page in registry.items()}

    assert {label: writes for label, writes in found.items() if writes} == {}
    adders = {model for model, model_admin in registry.items() if model_admin.has_add_permission(request)}
    assert adders == set(SERVICE_BACKED)
    # The packages' own pages are covered too.
    assert {"auth.Group", "axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"} <= found.keys()


def test_the_walk_finds_a_writable_admin_page(superuser):
    """The check above is not vacuous: a plain ModelAdmin, as `admin.site.register(Model)` makes,
    fails it."""
    site = AdminSite(name="probe")
    site.register(Principle)

    assert writes_without_a_service(site._registry[Principle], superuser_request(superuser)) == [
        "add (not through a service listed in SERVICE_BACKED)",
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


@pytest.mark.parametrize("model", list(SERVICE_BACKED), ids=lambda model: model.__name__)
def test_an_add_page_saves_through_its_service_with_its_audit_row(client, superuser, world, model):
    case = SERVICE_BACKED[model]
    audited = AuditEvent.objects.count()
    assert client.get(admin_url(model, "add")).status_code == 200

    response = client.post(admin_url(model, "add"), case["post"](world))

    assert response.status_code == 302, response.text
    made = case["made"]()
    new_events = AuditEvent.objects.order_by("pk")[audited:]
    assert [event.action for event in new_events] == case["audit"]
    assert all(event.actor == superuser for event in new_events)
    assert new_events[len(new_events) - 1].object_id == str(made.pk), "the audit row names the version made"


@pytest.mark.parametrize("model", list(SERVICE_BACKED), ids=lambda model: model.__name__)
def test_a_service_backed_page_refuses_changes_and_deletion(client, superuser, world, model):
    row = model._default_manager.order_by("pk").first()
    audited = AuditEvent.objects.count()

    changed = client.post(admin_url(model, "change", row.pk), SERVICE_BACKED[model]["post"](world))
    deleted = client.post(admin_url(model, "delete", row.pk), {"post": "yes"})
    page = client.get(admin_url(model, "change", row.pk))

    assert (changed.status_code, deleted.status_code) == (403, 403)
    assert model._default_manager.filter(pk=row.pk).exists() and AuditEvent.objects.count() == audited
    assert 'name="_save"' not in page.text


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"data_flows": json.dumps([{"information": "Housing outcomes"}])}, "data_flows", 'each with "information"'),
        ({"slug": "taken"}, "slug", "already exists"),
        ({"title": ""}, "title", "This field is required"),
    ],
)
def test_a_bad_use_case_add_says_which_field_and_adds_nothing(client, superuser, world, change, field, message):
    make_version(use_case=UseCase.objects.create(audience=world["audience"], slug="taken"))
    audited, use_cases = AuditEvent.objects.count(), UseCase.objects.count()

    response = client.post(admin_url(UseCase, "add"), use_case_add_post(world["audience"], **change))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field]), errors
    assert UseCase.objects.count() == use_cases and AuditEvent.objects.count() == audited


def test_a_new_use_case_is_not_offered_an_archived_audience(client, superuser, world):
    archived = make_audience(name="Care leavers", is_archived=True)

    page = client.get(admin_url(UseCase, "add"))
    response = client.post(admin_url(UseCase, "add"), use_case_add_post(archived))

    assert "Care leavers" not in page.text
    assert response.status_code == 200 and "audience" in response.context["adminform"].form.errors
    assert not UseCase.objects.filter(audience=archived).exists()
