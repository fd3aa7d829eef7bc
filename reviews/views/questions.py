"""Questions to a use case's authors (docs/reviewer-journey.md, "Asking the authors a question";
docs/authors.md, "Questions from reviewers"): a reviewer asks about one principle from the review
form; the authors answer on their pages, and so may the version's other reviewers. Reads come from
reviews.selectors.questions, changes go through reviews.services.questions. A reviewer reaches only
the versions given to them and the questions they may read; an author only their audience's use
cases. Anyone else gets a 404."""

import rules
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bold_portal.forms import add_errors
from reviews import link_sessions
from reviews.forms.questions import AnswerForm, QuestionForm
from reviews.models import Question
from reviews.selectors import questions as selectors
from reviews.selectors.reviews import round_principles
from reviews.services import questions as services
from reviews.views.reviews import target_context, visible_target
from reviews.views.rounds import posted_data
from usecases.models import UseCaseVersion
from usecases.selectors import writable_use_case


def _review_url(target, principle_slug: str) -> str:
    version = target.version
    url = reverse("reviews:review", args=[target.round.slug, version.use_case.slug, version.number])
    return f"{url}#principle-{principle_slug}"


def _asking_target(request, round_slug: str, use_case_slug: str, number: int):
    target = visible_target(request, round_slug, use_case_slug, number)
    if not rules.has_perm("reviews.ask_question", request.user, target):
        raise Http404
    return target


@require_http_methods(["GET", "POST"])
def question_ask(request, round_slug: str, use_case_slug: str, number: int, principle_slug: str):
    """Ask the authors a question about one principle, from the review form."""
    target = _asking_target(request, round_slug, use_case_slug, number)
    principle = next((p for p in round_principles(target.round) if p.slug == principle_slug), None)
    if principle is None:
        raise Http404
    form = QuestionForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_ask(
                review_round=target.round,
                version=target.version,
                principle=principle,
                text=form.cleaned_data["text"],
                actor=request.user,
                signed_in_with=link_sessions.signed_in_with(request),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("Your question has been sent to the authors. Their answer will show beside %(principle)s.")
                % {"principle": principle.name},
            )
            return redirect(_review_url(target, principle.slug))
    others = rules.has_perm("reviews.see_others_questions", request.user, target)
    context = target_context(request, target, None)
    context.update(
        form=form,
        principle=principle,
        questions=selectors.target_questions(target=target, user=request.user, others=others).get(principle.pk, []),
        back=_review_url(target, principle.slug),
    )
    return render(request, "reviews/question_ask.html", context)


@require_http_methods(["GET", "POST"])
def question_answer(request, round_slug: str, use_case_slug: str, number: int, question_id: int):
    """Another reviewer of the version answers a question they may read."""
    target = _asking_target(request, round_slug, use_case_slug, number)
    others = rules.has_perm("reviews.see_others_questions", request.user, target)
    question = selectors.visible_question(target=target, user=request.user, question_id=question_id, others=others)
    if question is None:
        raise Http404
    back = _review_url(target, question.principle.slug)
    form = AnswerForm(posted_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_answer(
                question=question,
                text=form.cleaned_data["text"],
                actor=request.user,
                signed_in_with=link_sessions.signed_in_with(request),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your answer has been added."))
            return redirect(back)
    context = target_context(request, target, None)
    context.update(form=form, item=selectors.question_item(question, user=request.user), back=back)
    return render(request, "reviews/question_answer.html", context)


def _author_version(request, use_case_slug: str, number: int) -> UseCaseVersion:
    use_case = writable_use_case(request.user, use_case_slug)
    return get_object_or_404(
        UseCaseVersion.objects.select_related("use_case__audience"), use_case=use_case, number=number
    )


@require_GET
def author_questions(request, use_case_slug: str, number: int):
    """Every question reviewers asked about the version, by round, with the answers."""
    version = _author_version(request, use_case_slug, number)
    return render(
        request,
        "reviews/author_questions.html",
        {"version": version, "rounds": selectors.version_questions(version, user=request.user)},
    )


@require_http_methods(["GET", "POST"])
def author_question_answer(request, use_case_slug: str, number: int, question_id: int):
    """The authors answer one question, while its round is open."""
    version = _author_version(request, use_case_slug, number)
    question = get_object_or_404(
        Question.objects.select_related("round", "principle", "version__use_case"), pk=question_id, version=version
    )
    form = AnswerForm(posted_data(request)) if question.round.is_open or request.method == "POST" else None
    back = reverse("authors:questions", args=[version.use_case.slug, version.number])
    if request.method == "POST" and form.is_valid():
        try:
            services.question_answer(question=question, text=form.cleaned_data["text"], actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Your answer has been sent. The reviewer who asked can read it now."))
            return redirect(f"{back}#question-{question.pk}")
    context = {
        "version": version,
        "review_round": question.round,
        "item": selectors.question_item(question, user=request.user),
        "form": form,
        "back": back,
    }
    return render(request, "reviews/author_question_answer.html", context)
