"""The personal review link (docs/sign-in-security.md, "Personal review links"): a reviewer's way
into their own reviews of one round without a password."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewLink(models.Model):
    """One emailed link: its holder may review what they are given in round, and nothing else.
    Only a SHA-256 hash of the link's token is stored (the token is 256 random bits, so a hash
    needs no salt or key to resist guessing). Live while not revoked, before expires_at and while
    the round is open; a person has at most one link that is not revoked per round."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_links")
    round = models.ForeignKey("reviews.ReviewRound", on_delete=models.CASCADE, related_name="review_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Who sent it; kept empty if their account is ever deleted (erasure keeps accounts).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("personal review link")
        verbose_name_plural = _("personal review links")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "round"],
                condition=Q(revoked_at__isnull=True),
                name="review_link_one_unrevoked_per_person_and_round",
                violation_error_message=_("This person already has a personal link for this round."),
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("sent_at")),
                name="review_link_expires_after_sending",
                violation_error_message=_("A personal link must expire after it is sent."),
            ),
        ]

    def __str__(self):
        return f"Personal review link of {self.person_id} for round {self.round_id}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.round.is_open
