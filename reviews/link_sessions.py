"""A personal review link's session (docs/sign-in-security.md, "Personal review links"): its
holder reaches their own reviews in the link's round and the public pages; any other page asks
them to sign in with their password. The session ends as soon as the link stops being live."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.limited_sign_in import limited_sign_in_scope, limited_sign_in_start
from reviews.models import ReviewLink
from reviews.services.review_links import SIGNED_IN_WITH_PERSONAL_LINK

SCOPE_KEY = "review_link"
# The pages of the link's round a holder may open (their round_slug must be the link's round's).
ROUND_PAGES = {
    "reviews:use_case",
    "reviews:review",
    "reviews:review_check",
    "reviews:review_changes",
    "reviews:review_autosave",
    "reviews:review_conflict",
    "reviews:review_submitted",
    "reviews:review_withdraw",
    "reviews:question_ask",
    "reviews:question_answer",
    "matrix:version_summary",
}
# Pages that name no round: the list of their reviews (that round's only), keeping the session
# alive while they type, the home page, which sends reviewers there, and signing out.
OTHER_PAGES = {"reviews:my_reviews", "reviews:session_time", "home", "logout"}


def link_session_start(request, link: ReviewLink) -> None:
    limited_sign_in_start(request, link.person, scope={SCOPE_KEY: link.pk, "round": link.round_id})


def _scope(request) -> dict | None:
    scope = limited_sign_in_scope(request)
    return scope if scope and SCOPE_KEY in scope else None


def round_id(request) -> int | None:
    """The round of this session's personal link; None for any other session."""
    scope = _scope(request)
    return scope["round"] if scope else None


def signed_in_with(request) -> str:
    """How the person got in, for the audit rows of what they do: empty for a password."""
    return SIGNED_IN_WITH_PERSONAL_LINK if _scope(request) else ""


class PersonalLinkScopeMiddleware:
    """Keeps a personal link's session to its pages; runs after LoginRequiredMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        scope = _scope(request)
        if scope is None or not getattr(view_func, "login_required", True):
            return None  # public pages, the link's own page and the sign-in page included
        link = (
            ReviewLink.objects.select_related("round")
            .filter(pk=scope[SCOPE_KEY], revoked_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if link is None or not link.round.is_open:
            logout(request)
            messages.info(request, _("Your personal link has ended. Sign in with your email address and password."))
            return redirect_to_login(request.get_full_path())
        name = request.resolver_match.view_name
        if name in OTHER_PAGES or (name in ROUND_PAGES and view_kwargs.get("round_slug") == link.round.slug):
            return None
        messages.info(
            request,
            _(
                "Your personal link opens only your reviews in %(round)s. To see this page, sign in with your "
                "email address and password."
            )
            % {"round": link.round.name},
        )
        return redirect_to_login(request.get_full_path())
