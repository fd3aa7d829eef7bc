"""Hostile text in every form of the portal: no server error, and no change for what is refused.

Every page of the URLconf is opened (following redirects) by the first of the people of the
per-URL permission test (tests/bold_portal/test_url_permissions.py) who gets a form on it (the
Django admin's by a superuser); its forms are read from the HTML. Each field in turn then gets
each hostile value (tests/hostile.py), with the other fields as the page filled them, or a
plausible value where the page left a text field empty, so that the hostile value is what the
form has to judge. A value with a NUL, a megabyte or UTF-16 text without a byte order mark (as
Latin-1, and as raw bytes) is never stored: when the answer is not a redirect (the form shown
again, a conflict, a 404), no row of any table has changed. Byte order marks, right-to-left marks
and full-width letters may be accepted; they must not cause a server error either.
A page shown again says "Error:" in its title at most once. Every case
runs in a savepoint that is rolled back, so each starts from the same database. The import's
columns get the same values in tests/reviews/test_import_verdicts.py. docs/architecture.md,
"Text the portal accepts"."""

import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from tests.bold_portal.test_url_permissions import EXPECTED, Redirect, World, named_routes
from tests.hostile import NUL, ODD_BUT_REAL, REFUSED

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Who opens each page, in this order: the first who gets a form there. People who use the forms
# (a reviewer given the use case, a lead, an analyst, a programme admin) before the rest.
ROLES_IN_ORDER = ("reviewer", "lead", "analyst", "admin", "author", "anonymous", "other_reviewer", "other_lead")
TEXT_INPUTS = {"text", "email", "search", "url", "tel", "number", "password", "hidden"}
# What a page's empty text field gets, so that the other fields are valid where possible.
PLAUSIBLE = {"email": "fuzz@example.org", "number": "1", "url": "https://example.org", "password": "Fuzz text"}
# GOV.UK date inputs: day, month and year (crispy-forms-gds names them <field>_0, _1, _2).
DATE_PARTS = {"_0": "1", "_1": "1", "_2": "2031"}
STORED_NEVER = "\x00"  # what no cell of any table may hold after any request
# Sessions change with every visit (the key of a two-factor app being set up, messages): they are
# checked for stored hostile text, not for change.
CHANGING_ANYWAY = {"django_session"}


@dataclass
class PageForm:
    method: str
    action: str
    data: dict[str, list[str]] = field(default_factory=dict)
    text_fields: list[str] = field(default_factory=list)
    choice_fields: list[str] = field(default_factory=list)
    radios: dict[str, list[str]] = field(default_factory=dict)
    button: tuple[str, str] | None = None  # the first named button: the one pressed


class FormReader(HTMLParser):
    """The forms of a page: each field's value as a browser would send it, and which fields are
    text (typed) and which are choices (radios, checkboxes, selects)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: str | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = PageForm(method=attrs.get("method", "get").lower(), action=attrs.get("action", ""))
            self.forms.append(self._form)
        if self._form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self._input(name, attrs.get("type", "text").lower(), attrs)
        elif tag == "button" and name and attrs.get("type", "submit") == "submit" and self._form.button is None:
            self._form.button = (name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in attrs), []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def _input(self, name, kind, attrs):
        form = self._form
        if name == "csrfmiddlewaretoken":
            form.data[name] = [attrs.get("value", "")]  # the test client does not check it
        elif kind in TEXT_INPUTS:
            value = attrs.get("value", "")
            if not value and kind != "hidden":
                value = next((v for end, v in DATE_PARTS.items() if name.endswith(end)), PLAUSIBLE.get(kind, "Fuzz"))
            form.data[name] = [value]
            form.text_fields.append(name)
        elif kind in ("checkbox", "radio"):
            if name not in form.choice_fields:
                form.choice_fields.append(name)
            form.data.setdefault(name, [])
            if "checked" in attrs:
                form.data[name].append(attrs.get("value", "on"))
            if kind == "radio":
                form.radios.setdefault(name, []).append(attrs.get("value", "on"))
        elif kind == "submit" and form.button is None:
            form.button = (name, attrs.get("value", ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            for name, values in self._form.radios.items():
                if not self._form.data[name]:  # no choice made yet: the first, as a person might
                    self._form.data[name] = values[:1]
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = self._text.removeprefix("\n")
            self._form.data[self._textarea] = [text or "Fuzz text"]
            self._form.text_fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select and self._form is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple:
                chosen = [next((value for value, _ in self._options if value), "")]
            self._form.data[name] = chosen
            self._form.choice_fields.append(name)
            self._select = None


def page_forms(html: str) -> list[PageForm]:
    reader = FormReader()
    reader.feed(html)
    sign_out = reverse("logout")
    return [
        form
        for form in reader.forms
        if form.action != sign_out and (form.text_fields or form.choice_fields or form.button)
    ]


def database_state() -> tuple[dict[str, str], list[str]]:
    """A digest of every table's rows, and the tables holding a NUL or a megabyte of text."""
    digests, holding = {}, []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            if table not in CHANGING_ANYWAY:
                digests[table] = hashlib.sha256("\n".join(rows).encode("utf-8", "surrogatepass")).hexdigest()
            if any(STORED_NEVER in row or len(row) > 1_000_000 for row in rows):
                holding.append(table)
    return digests, holding


def form_routes():
    """The portal's pages, and the Django admin's pages with forms (its lists with their search
    boxes and actions, its add and change pages), which superusers use."""
    return [
        route
        for route in named_routes()
        if not route.name.startswith("admin:") or route.name.endswith(("_add", "_change", "_changelist"))
    ]


class Fuzzer:
    def __init__(self, client: Client, page_url: str, route_name: str):
        self.client, self.page_url, self.route_name = client, page_url, route_name
        self.problems: list[str] = []
        self.cases = 0

    def send(self, form: PageForm, data: dict[str, list]):
        """The form sent as a browser would: a POST to its action (with the page's query string
        when the action is the page), a GET with the fields as the query string. Bytes (text in
        another encoding) go as they are, in a url-encoded body."""
        target = urlsplit(urljoin(self.page_url, form.action or self.page_url))
        pairs = [(name, value) for name, values in data.items() for value in values]
        if form.button and form.button[0] not in data:
            pairs.append(form.button)
        if form.method != "post":
            return self.client.get(f"{target.path}?{urlencode(pairs)}")
        path = f"{target.path}?{target.query}" if target.query else target.path
        if any(isinstance(value, bytes) for _name, value in pairs):
            return self.client.post(path, urlencode(pairs), content_type="application/x-www-form-urlencoded")
        return self.client.post(path, _grouped(pairs))

    def case(self, form: PageForm, name: str, label: str, value, *, hostile: bool, before, read: bool = True):
        """Send value in the field name. A hostile value is never stored, and when the field is
        read (a button's value is not) an answer other than a redirect means nothing changed."""
        where = f"{self.route_name} ({form.method.upper()} {form.action or self.page_url}), {name} = {label}"
        self.cases += 1
        with transaction.atomic():
            response = self.send(form, {**form.data, name: [value]})
            if response.status_code >= 500:
                self.problems.append(f"{where}: {response.status_code}")
            elif (title := page_title(response)) and title.count("Error:") > 1:
                self.problems.append(f"{where}: the title says Error: more than once ({title})")
            elif hostile:
                after, holding = database_state()
                if holding:
                    self.problems.append(f"{where}: stored in {', '.join(holding)}")
                if read and response.status_code not in (301, 302, 303):
                    changed = sorted(table for table in after if after[table] != before.get(table))
                    if changed:
                        self.problems.append(
                            f"{where}: refused ({response.status_code}) but changed {', '.join(changed)}"
                        )
            transaction.set_rollback(True)

    def fuzz(self, form: PageForm):
        before, _ = database_state()
        for name in form.text_fields:
            for label, value in REFUSED.items():
                self.case(form, name, label, value, hostile=True, before=before)
            self.case(form, name, "utf-16-raw-bytes", "Name, é".encode("utf-16-le"), hostile=True, before=before)
            for label, value in ODD_BUT_REAL.items():
                self.case(form, name, label, value, hostile=False, before=before)
        for name in form.choice_fields:
            self.case(form, name, "nul", NUL, hostile=True, before=before)
        if form.button:
            self.case(form, form.button[0], "nul", NUL, hostile=True, before=before, read=False)


def page_title(response) -> str:
    """The page's <title>, when the answer is a page (the GOV.UK error pattern: "Error: " once, first)."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return ""
    match = re.search(r"<title>(.*?)</title>", response.content.decode(errors="replace"), re.S)
    return " ".join(match.group(1).split()) if match else ""


def _grouped(pairs) -> dict[str, list]:
    data: dict[str, list] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def world():
    return World()


def _client(world, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != "anonymous":
        client.force_login(world.people[role])
    return client


def _openers(route) -> list[str]:
    """Who may open the page: the page itself, or where it sends them on (not the sign-in page,
    which is a page of its own). The Django admin is for superusers."""
    if route.name.startswith("admin:"):
        return ["superuser"]
    return [
        role
        for role in ROLES_IN_ORDER
        if (expected := EXPECTED[route.name][role]) == 200
        or (isinstance(expected, Redirect) and expected.to != "login")
    ]


@pytest.mark.parametrize("route", form_routes(), ids=lambda route: route.name)
def test_hostile_text_in_every_form_gives_no_server_error_and_changes_nothing_refused(world, route):
    if route.name.startswith("admin:"):
        url = reverse(route.name, kwargs=world.admin_kwargs(route.name, route.kwargs))
    else:
        url = reverse(route.name, kwargs=world.kwargs(route.name, route.kwargs))
    for role in _openers(route):
        client = _client(world, role)
        response = client.get(url, follow=True)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        forms = page_forms(response.content.decode())
        if forms:
            break
    else:
        pytest.skip("no form on this page for anyone")
    page_url = response.redirect_chain[-1][0] if response.redirect_chain else url

    fuzzer = Fuzzer(client, page_url, route.name)
    for form in forms:
        fuzzer.fuzz(form)

    assert fuzzer.cases
    assert not fuzzer.problems, f"as {role}:\n" + "\n".join(fuzzer.problems)
