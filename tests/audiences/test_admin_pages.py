"""The admin pages under /manage/, through the Django test client with real form data: who may
open them, what they change, and bad input on every form (the GOV.UK error summary names the
field, nothing changes)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audiences.models import Audience, Invitation, Membership, Organisation
from bold_portal import roles
from bold_portal.models import AuditEvent
from tests.factories import make_audience, make_in_group, make_organisation, make_principle, make_reviewer, make_user
from tests.pages import main_content

pytestmark = pytest.mark.django_db


@pytest.fixture
def audience():
    return make_audience(name="Homelessness", slug="homelessness")


@pytest.fixture
def organisation(audience):
    return make_organisation(name="Crisis", slug="crisis", audiences=[audience])


def admin_urls(audience, organisation, person, principle):
    return [
        reverse("manage_home"),
        reverse("audiences:manage_audiences"),
        reverse("audiences:manage_audience_add"),
        reverse("audiences:manage_audience_edit", args=[audience.slug]),
        reverse("audiences:manage_audience_archive", args=[audience.slug]),
        reverse("audiences:manage_organisations"),
        reverse("audiences:manage_organisation_add"),
        reverse("audiences:manage_organisation_edit", args=[organisation.slug]),
        reverse("audiences:manage_people"),
        reverse("audiences:manage_staff_invite"),
        reverse("audiences:manage_person", args=[person.pk]),
        reverse("principles:list"),
        reverse("principles:add"),
        reverse("principles:edit", args=[principle.slug]),
    ]


@pytest.mark.parametrize(
    "who",
    ["reviewer", "lead", "author", "analyst"],
)
def test_admin_pages_are_not_found_for_everyone_but_admins(client, audience, organisation, who):
    person = make_user()
    principle = make_principle()
    user = {
        "reviewer": lambda: make_reviewer(organisation=organisation),
        "lead": lambda: make_reviewer(organisation=organisation, role=Membership.Role.LEAD),
        "author": lambda: make_in_group(roles.AUTHORS),
        "analyst": lambda: make_in_group(roles.ANALYSTS),
    }[who]()
    client.force_login(user)

    for url in admin_urls(audience, organisation, person, principle):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("audiences:manage_audience_move", args=[audience.slug]), {"direction": "up"}).status_code
        == 404
    )
    assert (
        client.post(reverse("audiences:manage_person_active", args=[person.pk]), {"is_active": "off"}).status_code
        == 404
    )
    assert client.post(reverse("audiences:manage_audience_add"), {"name": "X", "colour": "#000000"}).status_code == 404
    person.refresh_from_db()
    assert person.is_active and Audience.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, audience, organisation):
    for url in admin_urls(audience, organisation, make_user(), make_principle()):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_an_admin_can_open_every_admin_page(client, admin, audience, organisation):
    for url in admin_urls(audience, organisation, make_user(), make_principle()):
        assert client.get(url).status_code == 200, url


def test_the_django_admin_is_for_superusers_only(client, admin):
    assert client.get("/admin/").status_code == 302  # to the admin's own sign-in: not for programme admins
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_the_admin_home_links_to_each_admin_page(client, admin):
    page = main_content(client.get(reverse("manage_home")))

    for name in [
        "audiences:manage_audiences",
        "audiences:manage_organisations",
        "audiences:manage_people",
        "principles:list",
    ]:
        assert f'href="{reverse(name)}"' in page


def test_the_navigation_leads_admins_to_the_portals_admin_home(client, admin):
    page = client.get(reverse("home")).text

    assert f'href="{reverse("manage_home")}"' in page
    assert 'href="/admin/"' not in page


# --- Audiences --------------------------------------------------------------------------------------


def test_adding_an_audience(client, admin, audience):
    response = client.post(
        reverse("audiences:manage_audience_add"),
        {"name": "Care leavers", "description": "Young people leaving care", "colour": "#1d70b8"},
    )

    assert response.status_code == 302
    added = Audience.objects.get(name="Care leavers")
    assert added.display_order > audience.display_order
    assert "Care leavers added." in client.get(response.url).text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "colour": "#1d70b8"}, "name", "Enter the audience&#x27;s name"),
        (
            {"name": "homelessness", "colour": "#1d70b8"},
            "name",
            "There is already an audience called homelessness. Choose another name.",
        ),
        ({"name": "Care leavers", "colour": "blue"}, "colour", "Enter a colour as # and six hex digits."),
        ({"name": "Care leavers", "colour": ""}, "colour", "Enter a colour, such as #1d70b8"),
        ({"name": "x" * 101, "colour": "#1d70b8"}, "name", "Name must be 100 characters or fewer"),
        (
            {"name": "Care leavers", "description": "x" * 1_048_576, "colour": "#1d70b8"},
            "description",
            "Description must be 1,000 characters or fewer",
        ),
        (
            {"name": "Care\x00leavers", "colour": "#1d70b8"},
            "name",
            "Name contains a hidden control character (U+0000) that cannot be saved. Remove it",
        ),
    ],
)
def test_bad_input_when_adding_an_audience(client, admin, audience, data, field, message):
    response = client.post(reverse("audiences:manage_audience_add"), data)

    assert response.status_code == 200
    assert response.text.count("govuk-error-summary__list") == 1
    assert f'href="#id_{field}">{message}</a>' in response.text
    assert "<title>Error:" in response.text
    assert Audience.objects.count() == 1


def test_renaming_an_audience_and_bad_input(client, admin, audience):
    url = reverse("audiences:manage_audience_edit", args=[audience.slug])
    make_audience(name="Victims")

    bad = client.post(url, {"name": "Victims", "colour": "#505a5f"})
    assert 'href="#id_name">There is already an audience called Victims. Choose another name.</a>' in bad.text
    audience.refresh_from_db()
    assert audience.name == "Homelessness"

    assert client.post(url, {"name": "People experiencing homelessness", "colour": "#505a5f"}).status_code == 302
    audience.refresh_from_db()
    assert audience.name == "People experiencing homelessness"


def test_moving_audiences_with_buttons(client, admin, audience):
    second = make_audience(name="Reoffending")

    response = client.post(
        reverse("audiences:manage_audience_move", args=[second.slug]), {"direction": "up", "page": "1"}
    )

    assert response.status_code == 302
    assert list(Audience.objects.values_list("name", flat=True)) == ["Reoffending", "Homelessness"]
    page = client.get(reverse("audiences:manage_audiences")).text
    assert page.index("Reoffending") < page.index("Homelessness")
    assert 'Move up<span class="govuk-visually-hidden"> Reoffending</span>' in page


def test_a_tampered_move_changes_nothing(client, admin, audience):
    second = make_audience(name="Reoffending")

    client.post(reverse("audiences:manage_audience_move", args=[second.slug]), {"direction": "sideways"})

    assert list(Audience.objects.values_list("name", flat=True)) == ["Homelessness", "Reoffending"]


@pytest.mark.parametrize("page", ["\x00", "9" * 100_000, "\uff12"], ids=["nul", "long", "full-width-digit"])
def test_a_tampered_page_number_after_a_move_goes_back_to_the_first_page(client, admin, audience, page):
    second = make_audience(name="Reoffending")

    response = client.post(
        reverse("audiences:manage_audience_move", args=[second.slug]), {"direction": "up", "page": page}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('audiences:manage_audiences')}?page=1#audience-{second.slug}"


def test_archiving_an_audience_hides_it_from_new_organisations(client, admin, audience, organisation):
    url = reverse("audiences:manage_audience_archive", args=[audience.slug])
    assert "Archive Homelessness" in client.get(url).text

    client.post(url)

    audience.refresh_from_db()
    assert audience.is_archived
    assert list(organisation.audiences.all()) == [audience]
    assert "Archived" in client.get(reverse("audiences:manage_audiences")).text
    assert "Homelessness" not in main_content(client.get(reverse("audiences:manage_organisation_add")))
    assert "Homelessness" in main_content(client.get(reverse("audiences:manage_organisation_edit", args=["crisis"])))


def test_the_audience_list_is_paginated(client, admin):
    for n in range(30):
        make_audience(name=f"Audience {n:02}")

    first = client.get(reverse("audiences:manage_audiences")).text
    second = client.get(reverse("audiences:manage_audiences") + "?page=2").text

    assert "Showing 1 to 25 of 30" in first and 'rel="next"' in first
    assert "Showing 26 to 30 of 30" in second


# --- Organisations ----------------------------------------------------------------------------------


def test_adding_an_organisation_with_its_audiences(client, admin, audience):
    other = make_audience(name="Reoffending")

    response = client.post(
        reverse("audiences:manage_organisation_add"), {"name": "Nacro", "audiences": [audience.pk, other.pk]}
    )

    assert response.status_code == 302
    nacro = Organisation.objects.get(name="Nacro")
    assert set(nacro.audiences.all()) == {audience, other}
    listing = client.get(reverse("audiences:manage_organisations")).text
    assert "Homelessness, Reoffending" in listing


def test_the_organisation_form_offers_no_preselected_audience(client, admin, audience):
    page = main_content(client.get(reverse("audiences:manage_organisation_add")))

    assert "checked" not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "audiences": ["AUDIENCE"]}, "name", "Enter the organisation&#x27;s name"),
        (
            {"name": "crisis", "audiences": ["AUDIENCE"]},
            "name",
            "There is already an organisation called crisis. Choose another name.",
        ),
        ({"name": "Nacro"}, "audiences", "Choose at least one audience the organisation serves"),
        ({"name": "Nacro", "audiences": ["999999"]}, "audiences", "Choose audiences from the list"),
        (
            {"name": "Nacro", "audiences": ["AUDIENCE"], "website": "not a website"},
            "website",
            "Enter a website address in the correct format, like https://example.org",
        ),
        (
            {"name": "Nacro", "audiences": ["AUDIENCE"], "website": "https://example.org/" + "x" * 200},
            "website",
            "Website address must be 200 characters or fewer",
        ),
    ],
)
def test_bad_input_when_adding_an_organisation(client, admin, organisation, audience, data, field, message):
    data = {**data, "audiences": [str(audience.pk) if a == "AUDIENCE" else a for a in data.get("audiences", [])]}

    response = client.post(reverse("audiences:manage_organisation_add"), data)

    assert response.status_code == 200
    assert f'href="#id_{field}">{message}</a>' in response.text
    assert f'id="id_{field}"' in response.text  # the link reaches the field
    assert Organisation.objects.count() == 1


def test_editing_an_organisation_and_bad_input(client, admin, organisation, audience):
    other = make_audience(name="Reoffending")
    url = reverse("audiences:manage_organisation_edit", args=[organisation.slug])

    bad = client.post(url, {"name": "Crisis UK", "audiences": []})
    assert 'href="#id_audiences">Choose at least one audience the organisation serves</a>' in bad.text
    organisation.refresh_from_db()
    assert organisation.name == "Crisis"

    assert client.post(url, {"name": "Crisis UK", "audiences": [other.pk]}).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Crisis UK" and list(organisation.audiences.all()) == [other]


def test_the_organisation_list_searches_and_paginates(client, admin, audience):
    for n in range(27):
        make_organisation(name=f"Charity {n:02}", audiences=[audience])
    make_organisation(name="Nacro", audiences=[audience])

    assert "Showing 1 to 25 of 28" in client.get(reverse("audiences:manage_organisations")).text
    found = main_content(client.get(reverse("audiences:manage_organisations") + "?q=nac"))
    assert "Nacro" in found and "Charity 01" not in found


# --- People -----------------------------------------------------------------------------------------


def test_the_people_list_searches_by_email_or_name_and_paginates(client, admin):
    for n in range(26):
        make_user(email=f"person-{n:02}@example.org")
    make_user(email="wyn@example.org", full_name="Wyn Jones")

    assert "Showing 1 to 25 of 28" in client.get(reverse("audiences:manage_people")).text
    found = main_content(client.get(reverse("audiences:manage_people") + "?q=jones"))
    assert "wyn@example.org" in found and "person-01" not in found
    page_two = client.get(reverse("audiences:manage_people") + "?page=2&q=example").text
    assert "q=example" in page_two


def test_inviting_bold_staff_without_a_password(client, admin, mailoutbox):
    response = client.post(reverse("audiences:manage_staff_invite"), {"email": "ana@bold.example", "role": "analyst"})

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.organisation is None and invitation.role == "analyst"
    assert "ana@bold.example" in main_content(client.get(response.url))
    assert len(mailoutbox) == 1
    assert "password" not in response.wsgi_request.POST


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "role": "analyst"}, "email", "Enter the email address of the person to invite"),
        (
            {"email": "not-an-email", "role": "analyst"},
            "email",
            "Enter an email address in the correct format, like name@example.com",
        ),
        ({"email": "ana@bold.example"}, "role", "Choose a role"),
        ({"email": "ana@bold.example", "role": "reviewer"}, "role", "Choose a role"),
        ({"email": "ana@bold.example", "role": "superuser"}, "role", "Choose a role"),
    ],
)
def test_bad_input_when_inviting_make_in_group(client, admin, mailoutbox, data, field, message):
    response = client.post(reverse("audiences:manage_staff_invite"), data)

    assert response.status_code == 200
    assert f'href="#id_{field}">{message}</a>' in response.text
    assert not Invitation.objects.exists() and not mailoutbox


def test_inviting_someone_who_already_has_the_role_is_refused(client, admin, mailoutbox):
    analyst = make_user(email="ana@bold.example")
    analyst.groups.add(Group.objects.get(name=roles.ANALYSTS))

    response = client.post(reverse("audiences:manage_staff_invite"), {"email": "ana@bold.example", "role": "analyst"})

    assert (
        'href="#id_email">ana@bold.example is already an analyst. You do not need to invite them.</a>' in response.text
    )
    assert not Invitation.objects.exists()


def test_staff_invitations_can_be_resent_and_cancelled(client, admin, mailoutbox):
    client.post(reverse("audiences:manage_staff_invite"), {"email": "ana@bold.example", "role": "analyst"})
    invitation = Invitation.objects.get()

    client.post(reverse("audiences:manage_staff_invitation_action", args=[invitation.pk]), {"action": "resend"})
    newest = Invitation.objects.latest("pk")
    assert newest.pk != invitation.pk and len(mailoutbox) == 2
    client.post(reverse("audiences:manage_staff_invitation_action", args=[newest.pk]), {"action": "cancel"})

    assert not Invitation.objects.filter(cancelled_at__isnull=True).exists()
    assert "No invitations are waiting." in client.get(reverse("audiences:manage_staff_invite")).text


def test_accepting_a_staff_invitation_page(client, admin, mailoutbox):
    client.post(reverse("audiences:manage_staff_invite"), {"email": "ana@bold.example", "role": "author"})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/invitations/accept/" in line)
    client.logout()

    page = client.get(link.replace("http://testserver", "").strip())
    assert "Join BOLD programme staff" in page.text
    response = client.post(
        page.wsgi_request.path,
        {
            "name": "Ash Author",
            "password": "violet-harbour-lantern-42",
            "password_confirmation": "violet-harbour-lantern-42",
        },
    )

    assert response.status_code == 302
    author = get_user_model().objects.get(email="ana@bold.example")
    assert author.groups.filter(name=roles.AUTHORS).exists()


def test_changing_a_persons_roles(client, admin):
    person = make_user()

    response = client.post(reverse("audiences:manage_person", args=[person.pk]), {"roles": ["analyst", "author"]})

    assert response.status_code == 302
    assert set(person.groups.values_list("name", flat=True)) == {roles.ANALYSTS, roles.AUTHORS}


def test_bad_input_when_changing_roles(client, admin):
    person = make_user()

    response = client.post(reverse("audiences:manage_person", args=[person.pk]), {"roles": ["superuser"]})

    assert 'href="#id_roles">Choose analyst, author or programme admin</a>' in response.text
    assert not person.groups.exists()


def test_an_admin_cannot_remove_their_own_admin_role_on_the_page(client, admin):
    response = client.post(reverse("audiences:manage_person", args=[admin.pk]), {"roles": []})

    assert 'href="#id_roles">You cannot take away your own admin role. Ask another admin.</a>' in response.text
    assert admin.groups.filter(name=roles.ADMINS).exists()


def test_switching_an_account_off_and_on(client, admin):
    person = make_user()
    url = reverse("audiences:manage_person_active", args=[person.pk])

    client.post(url, {"is_active": "off"})
    person.refresh_from_db()
    assert not person.is_active
    assert "Switch account on" in client.get(reverse("audiences:manage_person", args=[person.pk])).text
    client.post(url, {"is_active": "on"})
    person.refresh_from_db()
    assert person.is_active


def test_an_admin_cannot_switch_themselves_off(client, admin):
    page = client.get(reverse("audiences:manage_person", args=[admin.pk])).text
    assert "Switch account off" not in page

    response = client.post(
        reverse("audiences:manage_person_active", args=[admin.pk]), {"is_active": "off"}, follow=True
    )

    admin.refresh_from_db()
    assert admin.is_active
    assert "You cannot switch off your own account" in response.text
    assert not AuditEvent.objects.filter(action="account_switched_off").exists()


# --- The lead's invitation page (the admin's form) -------------------------------------------------


def test_the_admins_invitation_form_does_not_preselect_an_organisation(client, admin, organisation):
    make_organisation(name="Nacro")

    page = client.get(reverse("audiences:invitation_new")).text

    assert '<option value="" selected>Choose an organisation</option>' in page
    response = client.post(reverse("audiences:invitation_new"), {"email": "x@example.org", "role": "reviewer"})
    assert 'href="#id_organisation">Choose an organisation</a>' in response.text


def test_the_lists_make_the_same_number_of_queries_whatever_their_length(client, admin, audience):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [
        reverse("audiences:manage_people"),
        reverse("audiences:manage_organisations"),
        reverse("audiences:manage_audiences"),
    ]
    make_reviewer(organisation=make_organisation(audiences=[audience])).groups.add(
        Group.objects.get(name=roles.AUTHORS)
    )
    before = [count(url) for url in urls]
    for _ in range(5):
        organisation = make_organisation(audiences=[audience, make_audience()])
        make_reviewer(organisation=organisation).groups.add(Group.objects.get(name=roles.AUTHORS))

    assert [count(url) for url in urls] == before


def test_switching_off_an_organisations_last_active_lead_warns_first_and_names_it(client, admin, organisation):
    admin.full_name = "Ada Admin"
    admin.save()
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    # Another lead whose account is switched off does not count.
    make_reviewer(organisation=organisation, role=Membership.Role.LEAD, is_active=False)
    url = reverse("audiences:manage_person_active", args=[lead.pk])

    response = client.post(url, {"is_active": "off"})

    assert response.status_code == 200
    page = main_content(response)
    assert "govuk-warning-text" in response.text
    assert "the only active lead of this organisation" in page
    assert "Crisis" in page
    assert "Ada Admin" in page and "make another member a lead" in page
    assert 'name="confirmed" value="1"' in response.text
    lead.refresh_from_db()
    assert lead.is_active
    assert not AuditEvent.objects.filter(action="account_switched_off").exists()

    client.post(url, {"is_active": "off", "confirmed": "1"})
    lead.refresh_from_db()
    assert not lead.is_active
    assert AuditEvent.objects.filter(action="account_switched_off").count() == 1


def test_switching_off_a_lead_with_another_active_lead_needs_no_warning(client, admin, organisation):
    lead = make_reviewer(organisation=organisation, role=Membership.Role.LEAD)
    make_reviewer(organisation=organisation, role=Membership.Role.LEAD)

    response = client.post(reverse("audiences:manage_person_active", args=[lead.pk]), {"is_active": "off"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert not lead.is_active


def test_switching_off_no_such_person_is_a_404(client, admin):
    url = reverse("audiences:manage_person_active", args=[999999])
    assert client.post(url, {"is_active": "off", "confirmed": "1"}).status_code == 404
    assert client.post(url, {"is_active": "off"}).status_code == 404


def test_the_last_lead_warning_page_queries_do_not_grow_with_organisations_or_admins(client, admin):
    def queries_for_warning(organisations: int) -> int:
        lead = make_user()
        for _ in range(organisations):
            Membership.objects.create(user=lead, organisation=make_organisation(), role=Membership.Role.LEAD)
            make_in_group(roles.ADMINS)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("audiences:manage_person_active", args=[lead.pk]), {"is_active": "off"})
        assert "only active lead of" in response.text
        return len(queries)

    assert queries_for_warning(1) == queries_for_warning(4)
