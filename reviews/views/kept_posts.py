"""Where a refused post of the review form goes (reviews.services.kept_posts): its text is kept,
and the reviewer is sent to sign in, or back to the form, with a message saying so."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bold_portal.views import csrf_failure as portal_csrf_failure
from reviews.models import ReviewRound
from reviews.services.kept_posts import KEPT_POST_HOURS, KeepToken, kept_post_keep
from usecases.models import UseCaseVersion

SIGN_IN_TO_CARRY_ON = _(
    "Your session had ended, so your review was not saved. What you typed has been kept for %(hours)s hours: "
    "sign in again and it will be put back into the form."
)
FORM_OUT_OF_DATE = _(
    "Your review was not saved because you signed in again in another tab. What you typed has been put back "
    "into the form: check it, then save or submit it."
)


def review_url(token: KeepToken) -> str | None:
    """The review form the token names, or None if its round or version has gone."""
    version = UseCaseVersion.objects.select_related("use_case").filter(pk=token.version_id).first()
    review_round = ReviewRound.objects.filter(pk=token.round_id).first()
    if version is None or review_round is None:
        return None
    return reverse("reviews:review", args=[review_round.slug, version.use_case.slug, version.number])


def _to_sign_in(request, token: KeepToken):
    url = review_url(token)
    if url is None:
        return None
    messages.info(request, SIGN_IN_TO_CARRY_ON % {"hours": KEPT_POST_HOURS})
    return redirect_to_login(url)


class KeepRefusedReviewPost:
    """A POST of the review form from someone whose session has ended: keep what they typed and
    send them to sign in, back to the form. Sits just before LoginRequiredMiddleware, after the
    CSRF check, so only a post that passed it is kept this way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.user.is_authenticated:
            return None
        token = kept_post_keep(post=request.POST)
        return _to_sign_in(request, token) if token else None


def csrf_failure(request, reason=""):
    """The portal's CSRF failure page, except for a post of the review form carrying a genuine
    token: its text is kept, and its own person (signed in again in another tab, so the CSRF
    token was rotated) goes back to the form where it is restored; someone not signed in goes to
    sign in. Anyone else signed in sees the usual page: the text waits for its own person."""
    token = kept_post_keep(post=request.POST) if request.method == "POST" else None
    if token is not None:
        if not request.user.is_authenticated:
            if response := _to_sign_in(request, token):
                return response
        elif request.user.pk == token.person_id and (url := review_url(token)):
            messages.info(request, FORM_OUT_OF_DATE)
            return redirect(url)
    return portal_csrf_failure(request, reason)
