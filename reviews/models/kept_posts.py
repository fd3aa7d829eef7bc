"""What a reviewer typed into a refused review form, kept for them alone (docs/reviewer-journey.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bold_portal.text import text_limit

# What is kept of a refused review form, as JSON: room for every text of a review at its database
# ceiling; a post beyond it (no review could save it) is not kept.
KEPT_POST_MAX = 1_000_000


class KeptReviewPost(models.Model):
    """What a reviewer typed into the review form when a save or submit was refused because their
    session had ended or its CSRF token had been rotated (docs/reviewer-journey.md, "Nothing typed
    is lost"). Kept for KEPT_POST_HOURS under the signed (person, round, version) token the form
    carried, restored into the form for that person alone once they have signed in, deleted when
    they save or discard it, purged nightly and when their account is erased. Never audited: it is
    the reviewer's unsaved text, not a change to a review."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kept_review_posts")
    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey("usecases.UseCaseVersion", on_delete=models.CASCADE, related_name="+")
    # The form's fields as posted (name -> list of values), without the CSRF token.
    data = models.JSONField(default=dict)
    kept_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("kept review post")
        verbose_name_plural = _("kept review posts")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "round", "version"],
                name="kept_review_post_one_per_review",
                violation_error_message=_("Text is already kept for this person's review of this use case."),
            ),
            text_limit(
                "keptreviewpost", "data", KEPT_POST_MAX, _("What is kept of a refused review form"), is_json=True
            ),
        ]

    def __str__(self):
        return f"Kept review post of {self.person_id} for round {self.round_id}, version {self.version_id}"
