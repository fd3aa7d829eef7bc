from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from register.demo import demo_register_load
from reviews.demo.loader import DemoDataError


class Command(BaseCommand):
    help = _(
        "After load_bold_report: record the programme's decision on one use case of the demo's closed "
        "fieldwork round and publish its public register entry. What is there already is left as it is "
        "(docs/demo-data.md)."
    )

    def handle(self, *args, **options):
        try:
            result = demo_register_load()
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        changed = result.decision_recorded or result.entry_published
        style = self.style.SUCCESS if changed else self.style.NOTICE
        lines = result.summary_lines()
        self.stdout.write(style(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
