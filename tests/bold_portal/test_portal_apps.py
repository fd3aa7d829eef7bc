from pathlib import Path

from django.apps import apps

from tests.portal_apps import PORTAL_APPS

ROOT = Path(__file__).resolve().parents[2]


def test_the_rules_for_every_app_list_every_app_of_the_repository():
    in_repository = {config.label for config in apps.get_app_configs() if Path(config.path).parent == ROOT}
    assert set(PORTAL_APPS) == in_repository
