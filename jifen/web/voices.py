"""Voices pages: the resident's open surveys and answering one, their feedback box with staff's
replies (p/<slug>/me/surveys/…, p/<slug>/me/feedback/…); staff's surveys with their results
and CSV/XLSX export, opening and closing, and the feedback box with replies
(p/<slug>/console/surveys/…, p/<slug>/console/feedback/…); the monthly newsletter as a page
and a PDF (p/<slug>/newsletter/<yyyy-mm>/), public for a public programme."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jifen.lib.errors import DomainError
from jifen.programmes.access import access_programme, staff_scope
from jifen.programmes.models import Programme
from jifen.voices import exports, services
from jifen.voices.access import (
    access_feedback,
    access_survey,
    feedback_in_scope,
    result_communities,
    surveys_in_scope,
)
from jifen.voices.models import (
    SCORE_RANGE,
    Feedback,
    FeedbackStatus,
    QuestionKind,
    Survey,
    SurveyKind,
)
from jifen.voices.newsletter import build, newsletter_pdf, parse_month
from jifen.voices.queries import results
from jifen.web.common import (
    SignedInRequest,
    once_per_form,
    render_console,
    show_error,
    show_refusal,
)
from jifen.web.me import current_member

PAGES = "web/voices/"
CAN = "manage_voices"
ID_LENGTH = 16
QUESTION_ROWS = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_survey(request: HttpRequest, slug: str, public_id: str) -> tuple[Any, Survey]:
    member = current_member(request, slug)
    survey = services.surveys_for(member).filter(public_id=public_id[:ID_LENGTH]).first()
    if survey is None:
        raise Http404
    return member, survey


# The resident.


@login_required
@require_GET
def my_surveys(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    surveys = list(services.surveys_for(member))
    done = services.answered_of(member, surveys)
    rows = [(s, s.pk in done) for s in surveys]
    context = {"programme": member.programme, "member": member, "rows": rows}
    return render(request, PAGES + "my_surveys.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def answer_page(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    """The survey's questions as a form; POST answers them, once."""
    member, survey = _own_survey(request, slug, public_id)
    questions = list(survey.questions.all())
    answered = services.has_answered(survey, member)
    status = 200
    if request.method == "POST" and not answered:
        answers = {q.pk: request.POST.get(f"q{q.pk}", "").strip()[:2001] for q in questions}
        try:
            services.answer_survey(survey=survey, member=member, answers=_scores(answers))
        except DomainError as error:
            show_refusal(request, error)
            status = 422
        else:
            messages.success(request, _("Thank you: your answers were recorded."))
            return redirect("resident-surveys", slug)
    context = {
        "programme": member.programme,
        "survey": survey,
        "questions": [(q, _choices(q.kind)) for q in questions],
        "answered": answered,
        "posted": request.POST if status == 422 else {},
    }
    return render(request, PAGES + "answer.html", context, status=status)


def _scores(answers: dict[int, str]) -> dict[int, object]:
    """Form text as the services read it: digits as numbers (short ones: a 400-digit number
    is simply out of range), other text as it is."""
    return {
        qid: int(v) if v.isascii() and v.isdigit() and len(v) <= 3 else v
        for qid, v in answers.items()
    }


def _choices(kind: str) -> list[int]:
    if kind == QuestionKind.TEXT:
        return []
    low, high = SCORE_RANGE[QuestionKind(kind)]
    return list(range(low, high + 1))


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your feedback"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    anonymous = forms.BooleanField(label=gettext_lazy("Hide my name from staff"), required=False)


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def my_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """The resident's feedback with staff's replies; POST puts a new one in the box."""
    member = current_member(request, slug)
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.post_feedback(
                    member=member,
                    text=form.cleaned_data["text"],
                    anonymous=form.cleaned_data["anonymous"],
                )
            except DomainError as error:
                show_refusal(request, error)
                status = 422
            else:
                messages.success(request, _("Thank you: your feedback was sent."))
                return redirect("resident-feedback", slug)
        else:
            status = 422
    rows = Feedback.objects.filter(member=member).prefetch_related("replies")[:100]
    context = {"programme": member.programme, "form": form, "rows": rows}
    with timezone.override(member.programme.timezone):
        return render(request, PAGES + "my_feedback.html", context, status=status)


# Staff: surveys.


class SurveyForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=2000, required=False, widget=forms.Textarea
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SurveyKind.choices)
    anonymous = forms.BooleanField(label=gettext_lazy("Anonymous"), required=False, initial=True)
    is_template = forms.BooleanField(
        label=gettext_lazy("Template (the worker opens copies: every half-year, after activities)"),
        required=False,
    )
    community = forms.TypedChoiceField(
        label=gettext_lazy("Community"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, scope: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {c.pk: c for c in scope.communities().order_by("name")}
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)
        wide = [] if scope.community_ids is not None else [("", _("The whole programme"))]
        field.choices = wide + [(pk, c.name) for pk, c in self.communities.items()]
        field.required = scope.community_ids is not None
        for n in range(QUESTION_ROWS):
            self.fields[f"kind_{n}"] = forms.ChoiceField(
                label=_("Question %(n)s") % {"n": n + 1},
                choices=QuestionKind.choices,
                required=False,
            )
            self.fields[f"text_{n}"] = forms.CharField(
                label=_("Text of question %(n)s") % {"n": n + 1}, max_length=300, required=False
            )

    def questions(self) -> list[services.QuestionData]:
        data = self.cleaned_data
        return [
            services.QuestionData(data[f"kind_{n}"] or QuestionKind.TEXT, data[f"text_{n}"])
            for n in range(QUESTION_ROWS)
            if data.get(f"text_{n}")
        ]


@require_http_methods(["GET", "POST"])
@once_per_form
def survey_list(request: SignedInRequest, slug: str) -> HttpResponse:
    """The surveys in the caller's scope; POST makes a draft."""
    scope = access_programme(request.user, slug, CAN)
    form = SurveyForm(request.POST or None, scope=scope)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey = services.create_survey(
                    programme=scope.programme,
                    title=data["title"],
                    description=data["description"],
                    kind=data["kind"],
                    anonymous=data["anonymous"],
                    is_template=data["is_template"],
                    community=form.communities.get(data["community"] or 0),
                    questions=form.questions(),
                    actor=request.user,
                )
            except DomainError as error:
                show_refusal(request, error)
                status = 422
            else:
                return redirect("console-survey", slug, survey.public_id)
        else:
            status = 422
    rows = surveys_in_scope(scope)[:200]
    context = {"rows": rows, "form": form}
    return render_console(request, scope, PAGES + "surveys.html", context, status=status)


@require_http_methods(["GET", "POST"])
@once_per_form
def survey_page(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """A survey's results; POST opens or closes it (`action`)."""
    scope = access_programme(request.user, slug, CAN)
    survey = access_survey(scope, public_id[:ID_LENGTH])
    if request.method == "POST":
        action = request.POST.get("action", "")
        changeable = access_survey(scope, survey.public_id, change=True)
        try:
            if action == "open":
                services.open_survey(survey=changeable, actor=request.user)
            elif action == "close":
                services.close_survey(survey=changeable, actor=request.user)
            elif action == "delete":
                services.delete_survey(survey=changeable, actor=request.user)
                messages.success(request, _("Deleted."))
                return redirect("console-surveys", slug)
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Saved."))
        return redirect("console-survey", slug, survey.public_id)
    context = {
        "survey": survey,
        "results": results(survey, community_ids=result_communities(scope)),
        "changeable": scope.community_ids is None or survey.community_id is not None,
    }
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, PAGES + "survey.html", context)


@require_GET
def survey_export(request: SignedInRequest, slug: str, public_id: str, fmt: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    survey = access_survey(scope, public_id[:ID_LENGTH])
    found = results(survey, community_ids=result_communities(scope))
    if fmt == "csv":
        response = HttpResponse(exports.results_csv(found), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.results_xlsx(found), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.public_id}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


# Staff: the feedback box.


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Reply"), max_length=services.MAX_TEXT, widget=forms.Textarea
    )


@require_GET
def feedback_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, CAN)
    status = request.GET.get("status", "")
    rows = feedback_in_scope(scope).prefetch_related("replies")
    if status in FeedbackStatus.values:
        rows = rows.filter(status=status)
    context = {
        "rows": rows[:200],
        "status": status,
        "statuses": FeedbackStatus.choices,
        "form": ReplyForm(),
    }
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, PAGES + "feedback.html", context)


@require_POST
@once_per_form
def feedback_action(
    request: SignedInRequest, slug: str, public_id: str, action: str
) -> HttpResponse:
    """Reply to a feedback (`reply`, with its text) or close it (`close`)."""
    scope = access_programme(request.user, slug, CAN)
    feedback = access_feedback(scope, public_id[:ID_LENGTH])
    try:
        if action == "reply":
            form = ReplyForm(request.POST)
            if not form.is_valid():
                show_error(request, _("Write a reply first."))
                return redirect("console-feedback", slug)
            services.reply_feedback(
                feedback=feedback, text=form.cleaned_data["text"], actor=request.user
            )
        else:
            services.close_feedback(feedback=feedback, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect("console-feedback", slug)


# The newsletter.


def _newsletter_programme(request: HttpRequest, slug: str) -> Programme:
    """A public programme's newsletter is public; a private one's is for its members and
    staff."""
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        raise Http404
    if programme.is_public:
        return programme
    if staff_scope(request.user, programme).can("view_console"):
        return programme
    current_member(request, slug)  # 404 for anyone else
    return programme


@require_GET
def newsletter_page(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    programme = _newsletter_programme(request, slug)
    which = parse_month(month)
    if which is None:
        raise Http404
    letter = build(programme, which)
    context = {
        "programme": programme,
        "letter": letter,
        "previous": which.previous.label,
        "next": which.next.label,
    }
    return render(request, PAGES + "newsletter.html", context)


@require_GET
def newsletter_file(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    programme = _newsletter_programme(request, slug)
    which = parse_month(month)
    if which is None:
        raise Http404
    response = HttpResponse(newsletter_pdf(build(programme, which)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="newsletter-{which.label}.pdf"'
    return response


urlpatterns = [
    path("p/<slug:slug>/me/surveys/", my_surveys, name="resident-surveys"),
    path("p/<slug:slug>/me/surveys/<str:public_id>/", answer_page, name="resident-survey"),
    path("p/<slug:slug>/me/feedback/", my_feedback, name="resident-feedback"),
    path("p/<slug:slug>/console/surveys/", survey_list, name="console-surveys"),
    path("p/<slug:slug>/console/surveys/<str:public_id>/", survey_page, name="console-survey"),
    path(
        "p/<slug:slug>/console/surveys/<str:public_id>/results.csv",
        survey_export,
        {"fmt": "csv"},
        name="console-survey-csv",
    ),
    path(
        "p/<slug:slug>/console/surveys/<str:public_id>/results.xlsx",
        survey_export,
        {"fmt": "xlsx"},
        name="console-survey-xlsx",
    ),
    path("p/<slug:slug>/console/feedback/", feedback_list, name="console-feedback"),
    path(
        "p/<slug:slug>/console/feedback/<str:public_id>/reply/",
        feedback_action,
        {"action": "reply"},
        name="console-feedback-reply",
    ),
    path(
        "p/<slug:slug>/console/feedback/<str:public_id>/close/",
        feedback_action,
        {"action": "close"},
        name="console-feedback-close",
    ),
    path("p/<slug:slug>/newsletter/<str:month>/", newsletter_page, name="newsletter"),
    path("p/<slug:slug>/newsletter/<str:month>/pdf", newsletter_file, name="newsletter-pdf"),
]
