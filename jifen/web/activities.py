"""Console: activities — the list, the form, and the management page (sign-ups and the
waitlist, attendance and minutes, cancel, close). The check-in screen is jifen.web.checkin.

Viewing asks for `check_in` (whoever runs the door must find the activity), changing for
`manage_activities`; every activity and resident is looked up through the access helpers,
so another community's or programme's gives 404."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jifen.accounts.models import User
from jifen.earning import activity_listings as listings
from jifen.earning import services
from jifen.earning.access import access_activity
from jifen.earning.models import Activity, ActivityStatus, RuleCategory, RuleKind
from jifen.lib.errors import DomainError
from jifen.lib.storable import parse_int
from jifen.programmes.access import StaffScope, access_member, access_programme
from jifen.web.common import (
    SignedInRequest,
    once_per_form,
    render_console,
    show_form_errors,
    show_refusal,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

MAX_CAPACITY = 100_000
MAX_PRIORITY_POINTS = 10_000_000
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows


def _when(label: "_StrOrPromise", *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )


class ActivityForm(forms.Form):
    """An activity's details. Times are read and shown in the programme's time zone."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=RuleCategory.choices)
    community = forms.TypedChoiceField(
        label=gettext_lazy("Community"), coerce=int, required=False, empty_value=None
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=200, required=False)
    starts_at = _when(gettext_lazy("Starts at"))
    ends_at = _when(gettext_lazy("Ends at"))
    capacity = forms.IntegerField(
        label=gettext_lazy("Places"),
        min_value=1,
        max_value=MAX_CAPACITY,
        required=False,
        help_text=gettext_lazy("Leave empty for no limit; once full, sign-ups wait in line."),
    )
    rule = forms.ChoiceField(label=gettext_lazy("Rule (what it earns)"))
    organizers = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Organizers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    signup_opens_at = _when(gettext_lazy("Sign-up opens"), required=False)
    signup_closes_at = _when(gettext_lazy("Sign-up closes"), required=False)
    priority_points = forms.IntegerField(
        label=gettext_lazy("Priority on the waitlist from (points)"),
        min_value=1,
        max_value=MAX_PRIORITY_POINTS,
        required=False,
        help_text=gettext_lazy("Residents with at least this balance move up the waitlist first."),
    )

    def __init__(self, *args: Any, scope: StaffScope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = {rule.code: rule for rule in listings.activity_rules(scope)}
        self._choose("rule", [(code, r.name) for code, r in self.rules.items()])
        communities: list[tuple[Any, str]] = [(c.pk, c.name) for c in scope.communities()]
        if scope.community_ids is None:  # only programme-wide staff plan for everyone
            communities.insert(0, ("", _("Every community")))
        else:
            self.fields["community"].required = True
        self._choose("community", communities)
        self._choose("organizers", listings.organizer_choices(scope))

    def _choose(self, name: str, choices: list[tuple[Any, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)  # declared so above
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("An activity ends after it starts."))
        opens, closes = data.get("signup_opens_at"), data.get("signup_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("signup_closes_at", _("Sign-up closes after it opens."))
        return data

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, object]:
        names = [f for f in cls.base_fields if f not in ("rule", "organizers", "community")]
        initial: dict[str, object] = {name: getattr(activity, name) for name in names}
        initial["community"] = activity.community_id or ""
        initial["rule"] = activity.rule.code
        initial["organizers"] = list(activity.organizers.values_list("pk", flat=True))
        return initial

    def fill(self, activity: Activity, scope: StaffScope) -> list[User]:
        """Copy the form onto the activity; returns the organizers chosen."""
        data = self.cleaned_data
        for name in ("title", "description", "category", "place", "capacity", "priority_points"):
            setattr(activity, name, data[name])
        for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
            setattr(activity, name, data[name])
        chosen = data["community"]
        activity.community = scope.communities().get(pk=chosen) if chosen else None
        activity.rule = self.rules[data["rule"]]
        return list(User.objects.filter(pk__in=data["organizers"]))


class MinutesForm(forms.Form):
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), min_value=0, max_value=24 * 60)


# The list


@require_GET
def activity_list(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "check_in")
    past = request.GET.get("when") == "past"
    page = listings.activity_page(
        scope,
        upcoming=not past,
        status=request.GET.get("status", "")[:10],
        community=parse_int(request.GET.get("community"), minimum=1),
        after=request.GET.get("after", "")[:16],
    )
    context = {
        "page": page,
        "past": past,
        "communities": scope.communities(),
        "statuses": ActivityStatus.choices,
        "query": request.GET,
    }
    template = "web/console/activities.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, template, context)


# The form


@require_http_methods(["GET", "POST"])
@once_per_form
def activity_new(request: SignedInRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_activities")
    activity = Activity(programme=scope.programme)
    return _activity_form(request, scope, activity, {})


@require_http_methods(["GET", "POST"])
@once_per_form
def activity_edit(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_activities")
    activity = access_activity(scope, public_id)
    return _activity_form(request, scope, activity, ActivityForm.initial_for(activity))


def _activity_form(
    request: SignedInRequest, scope: StaffScope, activity: Activity, initial: dict[str, object]
) -> HttpResponse:
    with timezone.override(scope.programme.timezone):
        data = request.POST if request.method == "POST" else None
        form = ActivityForm(data, initial=initial, scope=scope)
        if data is not None and form.is_valid():
            organizers = form.fill(activity, scope)
            try:
                services.save_activity(activity=activity, actor=request.user, organizers=organizers)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("console-activity", scope.programme.slug, activity.public_id)
        status = 422 if data is not None else 200
        context = {"form": form, "activity": activity if activity.pk else None}
        return render_console(
            request, scope, "web/console/activity_form.html", context, status=status
        )


# Managing one


@require_GET
def activity_detail(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "check_in")
    activity = access_activity(scope, public_id)
    context = {
        "activity": activity,
        "roster": listings.roster(activity, scope),
        "hourly": activity.rule.kind == RuleKind.HOURLY,
        "credit": listings.credited(activity) if activity.status == ActivityStatus.CLOSED else None,
        "minutes_form": MinutesForm(),
    }
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, "web/console/activity.html", context)


@require_POST
@once_per_form
def activity_cancel(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_activities")
    activity = access_activity(scope, public_id)
    try:
        services.cancel_activity(activity=activity, actor=request.user)
        messages.success(request, _("The activity is cancelled."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("console-activity", slug, public_id)


@require_http_methods(["GET", "POST"])
@once_per_form
def activity_close(request: SignedInRequest, slug: str, public_id: str) -> HttpResponse:
    """GET: what closing will credit, and a button to confirm. POST: close, once."""
    scope = access_programme(request.user, slug, "manage_activities")
    activity = access_activity(scope, public_id)
    if request.method == "POST":
        return _close(request, activity)
    context = {
        "activity": activity,
        "preview": listings.closing_preview(activity)
        if activity.status == ActivityStatus.OPEN
        else None,
    }
    with timezone.override(scope.programme.timezone):
        return render_console(request, scope, "web/console/activity_close.html", context)


def _close(request: SignedInRequest, activity: Activity) -> HttpResponse:
    try:
        closed = services.close_activity(activity=activity, actor=request.user)
    except DomainError as error:
        show_refusal(request, error)
    else:
        residents = len({e.member_id for e in closed.earnings})
        points = sum(e.points for e in closed.earnings)
        if closed.already:
            messages.info(request, _("This activity was closed already: nothing more credited."))
        else:
            messages.success(request, _closed_message(residents, points))
    return redirect("console-activity", activity.programme.slug, activity.public_id)


def _closed_message(residents: int, points: int) -> str:
    text = ngettext(
        "Closed: %(residents)s resident credited, %(points)s points in all.",
        "Closed: %(residents)s residents credited, %(points)s points in all.",
        residents,
    )
    return text % {"residents": residents, "points": points}


@require_POST
@once_per_form
def attendance_minutes(
    request: SignedInRequest, slug: str, public_id: str, member_id: str
) -> HttpResponse:
    """The time that counts for a per-hour rule, set by hand."""
    scope = access_programme(request.user, slug, "check_in")
    activity = access_activity(scope, public_id)
    member = access_member(scope, member_id)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        show_form_errors(request, form)
        return redirect("console-activity", slug, public_id)
    try:
        services.check_out(activity=activity, member=member, minutes=form.cleaned_data["minutes"])
        messages.success(request, _("Saved."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("console-activity", slug, public_id)


@require_POST
@once_per_form
def attendance_remove(
    request: SignedInRequest, slug: str, public_id: str, member_id: str
) -> HttpResponse:
    """Undo a check-in made by mistake."""
    scope = access_programme(request.user, slug, "check_in")
    activity = access_activity(scope, public_id)
    member = access_member(scope, member_id)
    try:
        services.remove_check_in(activity=activity, member=member)
        messages.success(request, _("Check-in removed."))
    except DomainError as error:
        show_refusal(request, error)
    return redirect("console-activity", slug, public_id)


urlpatterns = [
    path("activities/", activity_list, name="console-activities"),
    path("activities/new/", activity_new, name="console-activity-new"),
    path("activities/<str:public_id>/", activity_detail, name="console-activity"),
    path("activities/<str:public_id>/edit/", activity_edit, name="console-activity-edit"),
    path("activities/<str:public_id>/cancel/", activity_cancel, name="console-activity-cancel"),
    path("activities/<str:public_id>/close/", activity_close, name="console-activity-close"),
    path(
        "activities/<str:public_id>/attendance/<str:member_id>/minutes/",
        attendance_minutes,
        name="console-attendance-minutes",
    ),
    path(
        "activities/<str:public_id>/attendance/<str:member_id>/remove/",
        attendance_remove,
        name="console-attendance-remove",
    ),
]
