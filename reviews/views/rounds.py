"""The programme admins' round pages (docs/admin-rounds.md): create a round, change its settings
and rule, choose its use cases, check and open it, follow progress and close it. Thin: reads come
from reviews.selectors.rounds, changes go through reviews.services.rounds. Anyone who is not a
programme admin gets a 404 (permission reviews.manage_rounds); anonymous visitors are sent to sign
in. The helpers above the pages (admin_only, posted_data, round_or_404, add_errors, paged,
progress_pages) serve the app's other pages too."""

import functools
from urllib.parse import urlencode

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bold_portal.forms import add_errors
from bold_portal.pagination import paginate, pagination
from reviews.forms.rounds import (
    FlagRuleForm,
    RoundCopyForm,
    RoundForm,
    RuleForm,
    VersionChoiceForm,
    VersionFilterForm,
)
from reviews.models import ReviewRound
from reviews.selectors import rounds as selectors
from reviews.selectors.progress import (
    PROGRESS_ROWS_PER_PAGE,
    group_progress,
    round_progress_totals,
    version_progress,
    versions_short_of_submitted_reviews,
)
from reviews.selectors.progress_counts import progress_being_updated, progress_stored
from reviews.selectors.requests import REQUESTS_PER_PAGE, round_open_request_count, round_requests
from reviews.services import rounds as services
from reviews.services.round_copy import round_copy as copy_service
from reviews.services.round_dates import round_dates_apply_on_read
from usecases.readiness import version_readiness


def admin_only(view):
    """Programme admins only; a 404 for everyone else, so nobody learns the pages exist."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not rules.has_perm("reviews.manage_rounds", request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def posted_data(request):
    """The POST data on a POST (even an empty one, which must fail validation), else None."""
    return request.POST if request.method == "POST" else None


def round_or_404(round_slug: str) -> ReviewRound:
    """The round the address names; a 404 when there is none."""
    review_round = selectors.managed_round(round_slug)
    if review_round is None:
        raise Http404
    return round_dates_apply_on_read(review_round)


def paged(request, items, per_page: int, *, param: str = "page", label: str = ""):
    page = paginate(items, request.GET.get(param), per_page=per_page)
    return page, pagination(request, page, param=param, label=label)


def progress_pages(request, review_round: ReviewRound) -> dict:
    """The round's progress by use case and by organisation (or person), a page of each, for
    the assign page and the dashboard."""
    versions_page, versions_pages = paged(
        request,
        version_progress(review_round),
        PROGRESS_ROWS_PER_PAGE,
        label=_("Pages of use cases"),
    )
    groups_page, groups_pages = paged(
        request,
        group_progress(review_round),
        PROGRESS_ROWS_PER_PAGE,
        param="organisations_page",
        label=_("Pages of organisations and people"),
    )
    return {
        "versions_page": versions_page,
        "versions_pagination": versions_pages,
        "groups_page": groups_page,
        "groups_pagination": groups_pages,
    }


@require_GET
@admin_only
def round_list(request):
    page, pages = paged(request, selectors.managed_rounds(), selectors.ROUNDS_PER_PAGE)
    return render(request, "rounds/round_list.html", {"page": page, "pagination": pages})


@require_http_methods(["GET", "POST"])
@admin_only
def round_new(request):
    form = RoundForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            review_round = services.round_create(actor=request.user, **form.round_fields())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Round created. Now choose the use cases to review."))
            return redirect("rounds:detail", review_round.slug)
    return render(request, "rounds/round_form.html", {"form": form})


@require_GET
@admin_only
def round_detail(request, round_slug: str):
    review_round = round_or_404(round_slug)
    return render(
        request,
        "rounds/round_detail.html",
        {
            "review_round": review_round,
            "principles": selectors.round_principle_names(review_round),
            "flag_audiences": selectors.flag_audience_names(review_round),
            "version_count": selectors.round_version_count(review_round),
            "problems": services.round_opening_problems(review_round)
            if review_round.status == ReviewRound.Status.DRAFT
            else None,
        },
    )


@require_http_methods(["GET", "POST"])
@admin_only
def round_settings(request, round_slug: str):
    """A draft round's settings; an open round's rule alone (round_rule_change); nothing once closed."""
    review_round = round_or_404(round_slug)
    data = request.POST if request.method == "POST" else None
    if review_round.status == ReviewRound.Status.CLOSED:
        return render(request, "rounds/round_settings_closed.html", {"review_round": review_round})
    if review_round.status == ReviewRound.Status.DRAFT:
        form = RoundForm(data, review_round=review_round, submit_label=_("Save settings"))
    else:
        form = RuleForm(data, review_round=review_round)
    if data is not None and form.is_valid():
        try:
            if isinstance(form, RoundForm):
                review_round = services.round_settings_change(
                    review_round=review_round, actor=request.user, **form.round_fields()
                )
            else:
                services.round_rule_change(review_round=review_round, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The round's settings have been saved."))
            return redirect("rounds:detail", review_round.slug)
    return render(request, "rounds/round_form.html", {"form": form, "review_round": review_round})


@require_http_methods(["GET", "POST"])
@admin_only
def round_flag_rule(request, round_slug: str):
    """Which audiences' "does not meet" flags a cell for discussion: in any state of the round,
    since flags never change an outcome."""
    review_round = round_or_404(round_slug)
    form = FlagRuleForm(posted_data(request), review_round=review_round)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_flag_rule_change(
                review_round=review_round, audiences=list(form.cleaned_data["audiences"]), actor=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The flag for discussion has been saved."))
            return redirect("rounds:detail", review_round.slug)
    return render(request, "rounds/round_flag_rule.html", {"form": form, "review_round": review_round})


@require_http_methods(["GET", "POST"])
@admin_only
def round_versions(request, round_slug: str):
    """The version chooser: one filtered page of versions at a time, each a checkbox."""
    review_round = round_or_404(round_slug)
    filter_form = VersionFilterForm(request.GET)
    filters = filter_form.filters()
    editable = review_round.status == ReviewRound.Status.DRAFT
    problem = filter_form.problem()
    if request.method == "POST":
        if not editable:
            raise Http404
        choice_form = VersionChoiceForm(request.POST)
        if choice_form.is_valid():
            to_add, to_remove = choice_form.changes()
            not_ready = selectors.versions_not_ready_to_add(review_round, to_add)
            if not_ready and "add_not_ready" not in request.POST:
                context = {
                    "review_round": review_round,
                    "not_ready": not_ready,
                    "shown": request.POST["shown"],
                    "chosen": request.POST.getlist("chosen"),
                }
                return render(request, "rounds/round_versions_confirm.html", context)
            try:
                changed = services.round_versions_change(
                    review_round=review_round, add=to_add, remove=to_remove, actor=request.user
                )
            except ValidationError as error:
                problem = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    _("Saved: %(added)d added to the round, %(removed)d taken out.")
                    % {"added": changed.added, "removed": changed.removed},
                )
                return redirect(f"{request.path}?{request.GET.urlencode()}")
        else:
            problem = " ".join(e for errors in choice_form.errors.values() for e in errors)
    versions = selectors.candidate_versions(review_round=review_round, **filters)
    page, pages = paged(request, versions, selectors.VERSIONS_PER_PAGE, label=_("Pages of use case versions"))
    readiness = version_readiness(page)
    return render(
        request,
        "rounds/round_versions.html",
        {
            "review_round": review_round,
            "filter_form": filter_form,
            "filters": filters,
            "page": page,
            "rows": [(version, readiness[version.pk]) for version in page],
            "pagination": pages,
            "shown": ",".join(str(version.pk) for version in page),
            "editable": editable,
            "problem": problem,
            "in_round": selectors.round_version_count(review_round),
        },
    )


@require_POST
@admin_only
def round_versions_add_matching(request, round_slug: str):
    """Add every version matching the chooser's filter (posted as hidden fields), in one go."""
    review_round = round_or_404(round_slug)
    filter_form = VersionFilterForm(request.POST)
    filters = filter_form.filters()
    query = QueryDict(mutable=True)
    query.update({key: value for key, value in filters.items() if value})
    back = f"{reverse('rounds:versions', args=[review_round.slug])}?{urlencode(query)}"
    if problem := filter_form.problem():
        # An unusable filter matches nothing on purpose: adding every version instead would surprise.
        messages.error(request, problem)
        return redirect(back)
    matching = selectors.candidate_versions(review_round=review_round, **filters)
    if "add_not_ready" not in request.POST:
        # Warned first, as for the versions ticked on one page: which matching versions are not ready.
        to_add = list(matching.filter(in_round=False).values_list("pk", flat=True))
        if not_ready := selectors.versions_not_ready_to_add(review_round, to_add):
            context = {
                "review_round": review_round,
                "not_ready": not_ready,
                "matching": len(to_add),
                "filters": filters,
                "back": back,
            }
            return render(request, "rounds/round_versions_confirm.html", context)
    try:
        added = services.round_versions_add_matching(review_round=review_round, versions=matching, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(count)d use case version added to the round.", "%(count)d use case versions added to the round.", added
        )
        % {"count": added},
    )
    return redirect(back)


@require_http_methods(["GET", "POST"])
@admin_only
def round_open(request, round_slug: str):
    """What stops the round from opening, in words; open it when nothing does."""
    review_round = round_or_404(round_slug)
    if review_round.status != ReviewRound.Status.DRAFT:
        return redirect("rounds:detail", review_round.slug)
    status = 200
    if request.method == "POST":
        try:
            services.round_open(
                review_round=review_round, actor=request.user, open_anyway=request.POST.get("open_anyway") == "yes"
            )
        except ValidationError:
            status = 400
        else:
            messages.success(request, _("The round is open. Reviewers can now see their use cases."))
            return redirect("rounds:progress", review_round.slug)
    problems = services.round_opening_problems(review_round)
    warnings = services.round_opening_warnings(review_round)
    page, pages = paged(
        request,
        selectors.versions_without_assignment(review_round),
        selectors.PROBLEM_VERSIONS_PER_PAGE,
        label=_("Pages of use cases not given to anyone"),
    )
    return render(
        request,
        "rounds/round_open.html",
        {
            "review_round": review_round,
            "problems": problems,
            "warnings": warnings,
            "page": page,
            "pagination": pages,
            "refused": status,
            "confirm_errors": [("open_anyway", _("Confirm that you want to open the round despite the points above"))],
        },
        status=status,
    )


@require_GET
@admin_only
def round_progress(request, round_slug: str):
    """Submitted out of expected, per organisation (and person) and per use case, overdue first."""
    review_round = round_or_404(round_slug)
    requests_page, requests_pages = paged(
        request,
        round_requests(review_round),
        REQUESTS_PER_PAGE,
        param="requests_page",
        label=_("Pages of declines and requests for more time"),
    )
    return render(
        request,
        "rounds/round_progress.html",
        {
            "review_round": review_round,
            "requests_page": requests_page,
            "requests_pagination": requests_pages,
            "open_requests": round_open_request_count(review_round),
            "totals": round_progress_totals(review_round),
            "progress_being_updated": progress_stored(review_round) and progress_being_updated(review_round.pk),
            **progress_pages(request, review_round),
        },
    )


@require_http_methods(["GET", "POST"])
@admin_only
def round_close(request, round_slug: str):
    """Confirm, then close: says how many people's drafts will not be counted."""
    review_round = round_or_404(round_slug)
    if request.method == "POST":
        if review_round.status != ReviewRound.Status.OPEN:
            return redirect("rounds:detail", review_round.slug)
        closed = services.round_close(review_round=review_round, actor=request.user)
        return render(
            request,
            "rounds/round_closed.html",
            {"review_round": closed.review_round, "draft_authors": len(closed.draft_authors)},
        )
    if review_round.status != ReviewRound.Status.OPEN:
        return redirect("rounds:detail", review_round.slug)
    return render(
        request,
        "rounds/round_close.html",
        {
            "review_round": review_round,
            "draft_authors": selectors.draft_author_count(review_round),
            "totals": round_progress_totals(review_round),
            "not_enough": versions_short_of_submitted_reviews(review_round),
        },
    )


@require_http_methods(["GET", "POST"])
@admin_only
def round_copy(request, round_slug: str):
    """A new draft round from this one: name and dates asked for, the rest copied."""
    source = round_or_404(round_slug)
    form = RoundCopyForm(posted_data(request), initial={"name": _("%(name)s (copy)") % {"name": source.name}})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review_round = copy_service(
                source=source,
                name=data["name"],
                slug=data["slug"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Round copied as a draft. Check its use cases and who reviews them, then check and open it."),
            )
            return redirect("rounds:detail", review_round.slug)
    return render(request, "rounds/round_copy.html", {"form": form, "review_round": source})
