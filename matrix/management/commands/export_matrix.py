from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bold_portal.files import write_atomically
from matrix.exporters.registry import EXPORTERS
from matrix.services.recompute import matrix_bring_up_to_date
from reviews.models import ReviewRound
from reviews.selectors.rounds import round_slugs


class Command(BaseCommand):
    help = _(
        "Print a review round's principle matrix as JSON or CSV, or write it (or an XLSX workbook, a PDF, or "
        "the CSV of every verdict) to a file. The matrix is brought up to date first when reviews changed "
        "since it was computed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", required=True, dest="round_slug", metavar="SLUG", help=_("The round's slug."))
        parser.add_argument(
            "--format",
            dest="output_format",
            choices=list(EXPORTERS),
            default="json",
            help=_("Output format (default json). xlsx and pdf need --output."),
        )
        parser.add_argument(
            "--output", metavar="PATH", type=Path, help=_("Write to this file instead of printing the matrix.")
        )

    def handle(self, *, round_slug, output_format, output, **options):
        review_round = ReviewRound.objects.filter(slug=round_slug).first()
        if review_round is None:
            raise CommandError(unknown_round_message(round_slug))
        exporter = EXPORTERS[output_format]
        if output is None and exporter.binary:
            raise CommandError(
                _(
                    "The %(format)s format is a binary file, which cannot be printed. "
                    "Add --output PATH to write it to a file."
                )
                % {"format": output_format}
            )
        matrix_bring_up_to_date(review_round=review_round)
        if output is None:
            # Printed, a CSV is text for a terminal or a pipe: without the byte order mark its files have.
            for index, chunk in enumerate(exporter.chunks(review_round)):
                self.stdout.write(chunk.decode("utf-8-sig" if index == 0 else "utf-8"), ending="")
            return
        content = exporter.render(review_round)
        try:
            write_atomically(output, content)
        except OSError as error:
            raise CommandError(
                _("Could not write %(path)s: %(reason)s. Check that the folder exists and that you may write to it.")
                % {"path": output, "reason": error.strerror or error}
            ) from error
        self.stderr.write(_("Wrote the matrix of round %(round)s to %(path)s.") % {"round": round_slug, "path": output})


def unknown_round_message(slug: str) -> str:
    slugs = round_slugs()
    if not slugs:
        return _("There is no review round with the slug %(slug)s; there are no review rounds yet.") % {"slug": slug}
    return _("There is no review round with the slug %(slug)s. Rounds that exist: %(slugs)s.") % {
        "slug": slug,
        "slugs": ", ".join(slugs),
    }
