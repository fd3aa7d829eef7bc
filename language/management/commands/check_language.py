import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from language.checker.check import check_text
from language.lexicon_file import file_terms
from language.selectors import lexicon_terms


class Command(BaseCommand):
    help = gettext_lazy(
        "Check a UTF-8 text file with the language checker: one hit per line, or with --format json a JSON "
        "list of hits (start and end are character offsets in the file's text). Exits 0 whether or not it "
        "finds anything (docs/language-checker.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=gettext_lazy("The text file to check."))
        parser.add_argument(
            "--format", choices=["text", "json"], default="text", help=gettext_lazy("How to print the hits.")
        )
        parser.add_argument(
            "--audience",
            default=None,
            help=gettext_lazy("The slug of the text's audience, to flag other audiences' terms."),
        )
        parser.add_argument(
            "--lexicon-file",
            action="store_true",
            help=gettext_lazy("Use the lexicon file, not the database's lexicon (no database needed)."),
        )

    def handle(self, *args, path: str, format: str, audience: str | None, lexicon_file: bool, **options):
        try:
            text = Path(path).read_bytes().decode("utf-8")
        except FileNotFoundError as error:
            raise CommandError(_("There is no file at %(path)s.") % {"path": path}) from error
        except IsADirectoryError as error:
            raise CommandError(_("%(path)s is a folder: give a text file.") % {"path": path}) from error
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(path)s is not UTF-8 text (byte %(byte)d cannot be read). Save it as UTF-8 and try again.")
                % {"path": path, "byte": error.start}
            ) from error
        except OSError as error:
            raise CommandError(
                _("%(path)s cannot be read: %(reason)s.") % {"path": path, "reason": error.strerror}
            ) from error
        hits = check_text(text, audience=audience, terms=file_terms() if lexicon_file else lexicon_terms())
        if format == "json":
            self.stdout.write(json.dumps([hit.as_dict() for hit in hits], ensure_ascii=False, indent=2))
            return
        for hit in hits:
            line = text.count("\n", 0, hit.start) + 1
            column = hit.start - (text.rfind("\n", 0, hit.start) + 1) + 1
            self.stdout.write(f"{path}:{line}:{column}: {hit.kind}: {hit.text!r}: {hit.suggestion} ({hit.source})")
