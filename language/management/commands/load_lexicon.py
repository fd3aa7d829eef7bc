from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from language.services import lexicon_load


class Command(BaseCommand):
    help = gettext_lazy(
        "Add the lexicon file's entries (language/lexicon.json) that the database lacks. Entries already "
        "there are kept as admins left them; lexicon_differences shows where the two differ."
    )

    def handle(self, *args, **options):
        result = lexicon_load()
        self.stdout.write(_("Lexicon: %(count)d entries added from the file.") % {"count": len(result.added)})
        if result.without_audience:
            self.stdout.write(
                _("Not added, because the database has no audience with the slug the file names: %(terms)s.")
                % {"terms": ", ".join(result.without_audience)}
            )
