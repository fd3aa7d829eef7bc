"""The demo's public register entry (docs/demo-data.md, "The public register"): once the report's demo
data is loaded, the programme's decision on one use case of the closed fieldwork round is recorded and
its register page published, through the services the admins' pages use (reviews.services.decisions,
register.services). It only creates: a decision or an entry already there is left as it is. It lives
here, not in the demo loader, because the register sits above the reviews app."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from matrix.services.recompute import matrix_recompute
from principles.models import Principle
from register.models import RegisterEntry
from register.services import register_entry_publish
from reviews.demo import bold_report as report
from reviews.demo.loader import DemoDataError
from reviews.models import Decision, RoundVersion
from reviews.services.decisions import ConditionInput, decision_record

# Its three fieldwork reviewers said it meets every principle; one was not sure it is clear about access.
DEMO_USE_CASE = "repeat-homelessness"
DEMO_REASONS = (
    "Every organisation that reviewed it agreed it is relevant, would make a difference and does not "
    "stigmatise people experiencing homelessness. One reviewer was not sure it says enough about access."
)
DEMO_CONDITION_PRINCIPLE = "clear"
DEMO_CONDITION = "Say who decides which BOLD analysts may see the linked records."


@dataclass(frozen=True)
class DemoRegisterResult:
    decision_recorded: bool
    entry_published: bool
    use_case_slug: str

    def summary_lines(self) -> list[str]:
        if not (self.decision_recorded or self.entry_published):
            return [_("Nothing to change: the demo's register entry is already there.")]
        lines = [_("Published the demo's register entry: /register/%(slug)s/") % {"slug": self.use_case_slug}]
        if self.decision_recorded:
            lines.append(_("Recorded the programme's decision on it, after the fieldwork round."))
        return lines


def demo_register_load() -> DemoRegisterResult:
    """Record the demo decision (go ahead with one condition) on the demo use case in the fieldwork
    round, if none is recorded, then publish its register entry, if it has none, both as the demo
    admin. Raises DemoDataError, having changed nothing, when the demo data or its admin is not there."""
    with transaction.atomic():
        # Two loads at once take turns here, as two decisions on the use case would.
        try:
            round_version = (
                RoundVersion.objects.select_for_update(of=("self",))
                .select_related("round", "version__use_case")
                .get(round__slug=report.FIELDWORK_ROUND.slug, version__use_case__slug=DEMO_USE_CASE)
            )
        except RoundVersion.DoesNotExist:
            raise DemoDataError(
                _("The report's demo data is not loaded, so there is nothing to publish. Run load_bold_report first.")
            ) from None
        admin_email = next(account.email for account in report.DEMO_ACCOUNTS if account.role == report.ADMIN)
        admin = get_user_model().objects.filter(email=admin_email).first()
        if admin is None:
            # A register entry is always published by someone.
            raise DemoDataError(
                _(
                    "The demo admin (%(email)s), who publishes the demo's register entry, is not there: the "
                    "demo data was loaded without the demo sign-ins. Nothing was changed."
                )
                % {"email": admin_email}
            )
        decision = Decision.objects.filter(round_version=round_version).first()
        decision_recorded = decision is None
        if decision is None:
            decision = decision_record(
                review_round=round_version.round,
                version=round_version.version,
                outcome=Decision.Outcome.GO_AHEAD_WITH_CONDITIONS,
                reasons=DEMO_REASONS,
                conditions=[
                    ConditionInput(principle=Principle.objects.get(slug=DEMO_CONDITION_PRINCIPLE), text=DEMO_CONDITION)
                ],
                actor=admin,
            )
        # A decision an admin recorded first stands; only a decision to go ahead can be published.
        entry_published = (
            decision.goes_ahead
            and not RegisterEntry.objects.filter(use_case_id=round_version.version.use_case_id).exists()
        )
        if entry_published:
            # The page shows the matrix's outcomes: the load's own recompute may still be on a worker.
            matrix_recompute(round_id=round_version.round_id, version_ids=[round_version.version_id])
            register_entry_publish(decision=decision, actor=admin)
    return DemoRegisterResult(
        decision_recorded=decision_recorded, entry_published=entry_published, use_case_slug=DEMO_USE_CASE
    )
