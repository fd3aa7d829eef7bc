from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from language.selectors import lexicon_differences


class Command(BaseCommand):
    help = gettext_lazy(
        "Show where the database's lexicon and the lexicon file (language/lexicon.json) differ: terms only "
        "in one of them, and fields that differ. Exits 0 either way."
    )

    def handle(self, *args, **options):
        differences = lexicon_differences()
        if not differences:
            self.stdout.write(_("The database's lexicon and the lexicon file agree."))
            return
        for difference in differences:
            term = f"{difference.term} ({difference.kind})"
            if difference.where == "file":
                self.stdout.write(_("%(term)s: only in the file") % {"term": term})
            elif difference.where == "database":
                self.stdout.write(_("%(term)s: only in the database") % {"term": term})
            else:
                for field, (in_file, in_database) in difference.fields.items():
                    self.stdout.write(
                        _("%(term)s: %(field)s is %(file)r in the file, %(database)r in the database")
                        % {"term": term, "field": field, "file": in_file, "database": in_database}
                    )
