from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from reviews.demo.loader import DemoDataError, bold_report_load


class Command(BaseCommand):
    help = _(
        "Load the BOLD report's audiences, organisations, principles, illustrative use cases, its fieldwork "
        "round and an open demo round into an empty database. If the demo data is there already, say so and "
        "change nothing; a database holding other data is refused (docs/demo-data.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help=_("Also create one sign-in per role for local use (always on when DEBUG is true)."),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_(
                "First delete everything in the local database of make run (db.sqlite3, with DEBUG on), if it "
                "holds the demo data or nothing; then load the demo data again."
            ),
        )

    def handle(self, *args, demo_accounts: bool, reset: bool, **options):
        try:
            result = bold_report_load(with_demo_accounts=demo_accounts or settings.DEBUG, reset=reset)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        style = self.style.SUCCESS if result.changed else self.style.NOTICE
        lines = result.summary_lines()
        self.stdout.write(style(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
