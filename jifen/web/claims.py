"""The resident's claims, phone-first: claim points under a rule that allows it (its
criteria, measured values, a description and up to three photos taken on the spot), see
what became of each claim, withdraw one still waiting, and look at their own photos. Staff
acting on behalf of a resident (代办) see and send these as that resident."""

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.earning import errors, listings, rules, services
from jifen.earning.claims import MAX_PHOTOS
from jifen.earning.models import Claim, ClaimPhoto, Rule
from jifen.lib.errors import DomainError
from jifen.lib.images import CleanPhoto, PhotoTooLarge, clean_photo
from jifen.lib.images import photo_response as stored_photo
from jifen.programmes.access import found
from jifen.programmes.models import Member
from jifen.web.common import once_per_form, show_refusal
from jifen.web.me import current_member

PHOTO_MAX_BYTES = 5 * 1024 * 1024  # what clean_photo reads; a larger file is refused unread
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
MEASURE_LABELS = {
    "minutes": _("Minutes spent"),
    "amount": _("Amount spent"),
    "accuracy": _("Sorting accuracy (%)"),
}


class PhotosInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files under one name: a list of uploads (empty when none was chosen)."""

    widget = PhotosInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(upload, initial) for upload in files if upload]


class ClaimForm(forms.Form):
    """A claim under one rule: the fields are the rule's criteria and measured values."""

    description = forms.CharField(
        label=_("What happened"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=PhotosInput(
            attrs={"accept": PHOTO_TYPES, "capture": "environment", "multiple": True}
        ),
    )

    def __init__(self, *args: Any, config: rules.RuleConfig, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = config
        self.fields["photos"].help_text = gettext(
            "At most %(count)s photos (JPEG, PNG or WebP), %(mb)s MB each."
        ) % {"count": MAX_PHOTOS, "mb": PHOTO_MAX_BYTES // 2**20}
        ticks = [(c.code, c.label) for c in config.criteria + config.extras]
        if ticks:
            self.fields["criteria"] = forms.MultipleChoiceField(
                label=_("What was done"),
                choices=ticks,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        for name in sorted(config.measures):
            self.fields[f"measure_{name}"] = forms.IntegerField(
                label=MEASURE_LABELS.get(name, name),
                min_value=0,
                max_value=rules.MAX_MEASURE,
                required=config.kind in ("hourly", "amount"),
            )
        names = ["criteria", *(f"measure_{n}" for n in sorted(config.measures))]
        self.order_fields([*names, "description", "occurred_at", "photos"])

    def clean_photos(self) -> list[CleanPhoto]:
        """Each photo checked and re-encoded without its metadata, before anything is kept."""
        uploads = self.cleaned_data["photos"]
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(str(errors.TooManyPhotos(max=MAX_PHOTOS)))
        cleaned = []
        for upload in uploads:
            if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
                raise forms.ValidationError(str(PhotoTooLarge(max=PHOTO_MAX_BYTES // 2**20)))
            try:
                cleaned.append(clean_photo(upload, max_bytes=PHOTO_MAX_BYTES))
            except DomainError as refusal:
                raise forms.ValidationError(str(refusal)) from refusal
        return cleaned

    def measures(self) -> dict[str, int]:
        values = {n: self.cleaned_data.get(f"measure_{n}") for n in self.config.measures}
        return {name: value for name, value in values.items() if value is not None}


def resident_page(
    request: HttpRequest,
    member: Member,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """A resident page of these modules (templates/web/claims/), for `member`."""
    context = {"member": member, "programme": member.programme, **context}
    return render(request, f"web/claims/{template}", context, status=status)


@login_required
def my_claims(request: HttpRequest, slug: str) -> HttpResponse:
    member = current_member(request, slug)
    rows = listings.my_claims(member)
    return resident_page(request, member, "my_claims.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
@once_per_form
def new_claim(request: HttpRequest, slug: str) -> HttpResponse:
    """Without a rule: the rules one may claim under. With one (`?rule=code`): its form."""
    member = current_member(request, slug)
    code = request.POST.get("rule") or request.GET.get("rule") or ""
    if not code:
        return resident_page(request, member, "choose_rule.html", {"rules": _claimable(member)})
    rule = found(Rule.objects.filter(programme_id=member.programme_id), code=code[:40])
    if not rule.allows_claims:
        refusal = str(errors.ClaimsNotAllowed(rule=rule.name))
        context: dict[str, Any] = {"rules": _claimable(member), "refusal": refusal}
        return resident_page(request, member, "choose_rule.html", context, status=422)
    config = listings.config_of_rule(rule)
    form = ClaimForm(request.POST or None, request.FILES or None, config=config)
    if request.method == "POST" and _submitted(request, member, rule, form):
        messages.success(request, _("Your claim was sent: a reviewer will look at it."))
        return redirect("resident-claims", slug)
    context = {"rule": rule, "config": config, "form": form}
    status = 422 if form.is_bound else 200
    return resident_page(request, member, "new_claim.html", context, status=status)


def _claimable(member: Member) -> list[tuple[Rule, rules.RuleConfig]]:
    return [(rule, listings.config_of_rule(rule)) for rule in listings.claimable_rules(member)]


def _submitted(request: HttpRequest, member: Member, rule: Rule, form: ClaimForm) -> bool:
    """Whether the claim was filed; else the form carries the refusal."""
    with timezone.override(ZoneInfo(member.programme.timezone)):  # "when" is local time
        valid = form.is_valid()
    if not valid:
        return False
    try:
        services.submit_claim(
            member=member,
            rule=rule,
            actor=request.user if request.user.is_authenticated else None,
            description=form.cleaned_data["description"],
            criteria=form.cleaned_data.get("criteria", []),
            measures=form.measures(),
            photos=form.cleaned_data["photos"],
            occurred_at=form.cleaned_data["occurred_at"],
        )
    except DomainError as refusal:
        form.add_error(None, str(refusal))
        return False
    return True


@login_required
@require_POST
@once_per_form
def withdraw(request: HttpRequest, slug: str, public_id: str) -> HttpResponse:
    member = current_member(request, slug)
    claim = found(Claim.objects.filter(member=member), public_id=public_id)
    try:
        services.withdraw_claim(claim=claim)
        messages.success(request, _("Your claim was withdrawn."))
    except DomainError as refusal:
        show_refusal(request, refusal)
    return redirect("resident-claims", slug)


@login_required
def my_photo(request: HttpRequest, slug: str, public_id: str) -> FileResponse:
    """A photo of one of the resident's own claims (nobody else's)."""
    member = current_member(request, slug)
    return photo_response(
        found(ClaimPhoto.objects.filter(claim__member=member), public_id=public_id)
    )


def photo_response(photo: ClaimPhoto) -> FileResponse:
    """A claim's photo, for this viewer only (see jifen.lib.images.photo_response)."""
    return stored_photo(photo.path, photo.content_type)


urlpatterns = [
    path("claims/", my_claims, name="resident-claims"),
    path("claims/new/", new_claim, name="resident-claim-new"),
    path("claims/<str:public_id>/withdraw/", withdraw, name="resident-claim-withdraw"),
    path("claims/photos/<str:public_id>/", my_photo, name="resident-claim-photo"),
]
