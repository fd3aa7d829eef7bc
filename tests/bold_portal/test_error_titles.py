"""A page with errors says "Error:" once, first in its title, as the GOV.UK error pattern asks:
base.html writes it (block error_prefix, from form.errors, or a page's own condition where its
errors are not a form's), and no template's title block says it again."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from bold_portal import roles
from tests.factories import make_user

TEMPLATES = sorted(path for folder in settings.TEMPLATES[0]["DIRS"] for path in Path(folder).rglob("*.html"))
TITLE_BLOCK = re.compile(r"{% block title %}(.*?){% endblock", re.S)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_no_title_block_says_error_itself(path):
    for title in TITLE_BLOCK.findall(path.read_text()):
        assert "Error:" not in title, "say it in {% block error_prefix %}, which base.html puts first, once"


@pytest.mark.django_db
def test_a_form_with_errors_says_error_once_in_the_title(client):
    admin = make_user()
    admin.groups.add(Group.objects.get(name=roles.ADMINS))
    client.force_login(admin)
    response = client.get("/manage/audit/", {"date_from_0": "40", "date_from_1": "13", "date_from_2": "2027"})
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert title.startswith("Error: Audit trail")
    assert title.count("Error:") == 1
