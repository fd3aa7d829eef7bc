import argparse
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reviews.imports.csv_file import ImportProblem
from reviews.imports.rows import new_round_problems, verdict_rows_from_csv
from reviews.models import ReviewRound
from reviews.selectors.rounds import round_slugs
from reviews.services.imports import ImportConflict, verdicts_import


def decimal_option(value: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise argparse.ArgumentTypeError(_("“%(value)s” is not a number such as 0.5") % {"value": value})
    return number


class Command(BaseCommand):
    help = _(
        "Import verdicts gathered offline from a CSV file into a review round, all or nothing. "
        "Every row is checked first; if any is wrong nothing is imported and every problem is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help=_("The CSV file (UTF-8, with or without a byte order mark)."))
        parser.add_argument("--round", required=True, dest="round_slug", metavar="SLUG", help=_("The round's slug."))
        parser.add_argument(
            "--create-round",
            metavar="NAME",
            help=_("Create the round SLUG with this name (closed: offline verdicts are final)."),
        )
        parser.add_argument(
            "--threshold", type=decimal_option, help=_("New round only: the tick threshold, 0 to under 1 (0.5).")
        )
        parser.add_argument("--min-reviews", type=int, help=_("New round only: the minimum number of reviews (2)."))

    def handle(self, *, path, round_slug, create_round, threshold, min_reviews, **options):
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Could not read %(path)s: %(reason)s.") % {"path": path, "reason": error.strerror or error}
            ) from error

        review_round, problems = target_round(
            round_slug, create_round=create_round, threshold=threshold, min_reviews=min_reviews
        )
        existing_round = review_round if review_round is not None and review_round.pk else None
        rows, row_problems = verdict_rows_from_csv(content, review_round=existing_round)
        problems += row_problems
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(count)s problem in %(path)s. Correct it and run the import again.",
                    "Nothing was imported: %(count)s problems in %(path)s. Correct them and run the import again.",
                    len(problems),
                )
                % {"count": len(problems), "path": path}
            )

        try:
            if existing_round is not None:
                result = verdicts_import(rows=rows, review_round=existing_round, actor=None)
            else:
                new_round = {
                    field: getattr(review_round, field) for field in ("name", "slug", "threshold", "min_reviews")
                }
                result = verdicts_import(rows=rows, new_round=new_round, actor=None)
        except ImportConflict as error:
            raise CommandError(
                _(
                    "Reviews or accounts changed while the file was being imported, so nothing was imported. "
                    "Run the import again to see what clashes."
                )
            ) from error
        self.report(result)

    def report(self, result):
        review_round = result.review_round
        self.stdout.write(
            _("Imported %(counts)s into round %(round)s (%(status)s%(created)s).")
            % {
                "counts": counts(result.reviews, result.verdicts),
                "round": review_round.slug,
                "status": review_round.get_status_display().lower(),
                "created": _(", created now") if result.round_created else "",
            }
        )
        for version, (reviews, verdicts) in result.by_version.items():
            self.stdout.write(
                _("  %(use_case)s version %(version)s (%(title)s): %(counts)s")
                % {
                    "use_case": version.use_case.slug,
                    "version": version.number,
                    "title": version.title,
                    "counts": counts(reviews, verdicts),
                }
            )
        if result.new_reviewers:
            self.stdout.write(
                _("New reviewers, each emailed a link to create a password: %(emails)s")
                % {"emails": ", ".join(result.new_reviewers)}
            )
        else:
            self.stdout.write(_("New reviewers: none."))
        self.stdout.write(_("The round's matrix is being brought up to date with these reviews."))


def counts(reviews: int, verdicts: int) -> str:
    return _("%(reviews)s with %(verdicts)s") % {
        "reviews": ngettext("%(count)s review", "%(count)s reviews", reviews) % {"count": reviews},
        "verdicts": ngettext("%(count)s verdict", "%(count)s verdicts", verdicts) % {"count": verdicts},
    }


def target_round(slug, *, create_round, threshold, min_reviews) -> tuple[ReviewRound | None, list[ImportProblem]]:
    """The round to import into (unsaved when --create-round makes it), and any problem with the options."""
    existing = ReviewRound.objects.filter(slug=slug).first()
    if create_round is not None:
        if existing is not None:
            return None, [
                ImportProblem(
                    None,
                    _("A round with the slug %(slug)s already exists.") % {"slug": slug},
                    _("Choose a new slug for --create-round, or leave --create-round out to import into it."),
                )
            ]
        # Options left out keep the model's defaults, as every other way of creating a round does.
        rule = {"threshold": threshold, "min_reviews": min_reviews}
        new_round = ReviewRound(
            slug=slug,
            name=create_round,
            status=ReviewRound.Status.CLOSED,  # offline verdicts are final
            **{name: value for name, value in rule.items() if value is not None},
        )
        return new_round, new_round_problems(new_round)

    problems = []
    if existing is None:
        slugs = ", ".join(round_slugs()) or _("none yet")
        problems.append(
            ImportProblem(
                None,
                _("There is no review round with the slug %(slug)s (rounds that exist: %(slugs)s).")
                % {"slug": slug, "slugs": slugs},
                _("Correct --round, or add --create-round NAME to create the round from the file."),
            )
        )
    if threshold is not None or min_reviews is not None:
        problems.append(
            ImportProblem(
                None,
                _("--threshold and --min-reviews set the rule of a new round only."),
                _("Leave them out, or use --create-round NAME; an admin changes an existing round's rule."),
            )
        )
    return existing, problems
