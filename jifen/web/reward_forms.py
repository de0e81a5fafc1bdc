"""The console's forms for the rewards: a reward of the catalogue, stock at a store, a store
and its cashiers, the redemption settings, the orders' filters and a refused delivery. They
turn what an administrator types into the arguments of jifen.rewards.services, which check
everything again; their refusals are shown on the form. (They live beside their only views,
in jifen/web/catalogue.py, orders.py and settlements.py.)"""

from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.accounts.models import User
from jifen.lib.errors import DomainError
from jifen.lib.images import CleanPhoto, PhotoTooLarge, clean_photo
from jifen.programmes.models import Community
from jifen.rewards.catalogue import MAX_POINTS, MAX_UNITS
from jifen.rewards.models import (
    Handover,
    LimitPeriod,
    Perk,
    RedemptionStatus,
    RefusalReason,
    Reward,
    RewardArea,
    RewardCategory,
    RewardKind,
    RewardSettings,
    Store,
    StoreKind,
)

PHOTO_MAX_BYTES = 5 * 1024 * 1024  # what clean_photo reads; a larger file is refused unread
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
ANY = [("", _("all"))]
SETTLEMENT_MONTHS = [
    (1, _("a month")),
    (3, _("a quarter")),
    (6, _("half a year")),
    (12, _("a year")),
]


def _units(label: Any, *, low: int = 1, high: int = MAX_UNITS, **kw: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=low, max_value=high, required=False, **kw)


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RewardForm(forms.Form):
    """Every field of services.save_reward."""

    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=RewardKind.choices)
    points = forms.IntegerField(
        label=_("Points"),
        min_value=0,
        max_value=MAX_POINTS,
        help_text=_("What a resident spends; 0 for a privilege."),
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=RewardCategory.choices, initial=RewardCategory.OTHER
    )
    area = forms.ChoiceField(label=_("Area"), choices=RewardArea.choices, initial=RewardArea.GOODS)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    handover = forms.ChoiceField(
        label=_("Handed over"), choices=Handover.choices, initial=Handover.PICKUP
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
        help_text=_("JPEG, PNG or WebP, at most 5 MB. Leave empty to keep the current one."),
    )
    monthly_limit = _units(_("Units a month for everyone together"))
    member_limit = _units(_("Units one resident may redeem"))
    member_limit_period = forms.ChoiceField(
        label=_("per"), choices=LimitPeriod.choices, initial=LimitPeriod.MONTH
    )
    available_from = _date(_("Available from"))
    available_until = _date(_("Available until"))
    months = forms.TypedMultipleChoiceField(
        label=_("Offered only in these months (none: all year)"),
        choices=[(n, MONTHS[n]) for n in range(1, 13)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    communities = forms.TypedMultipleChoiceField(
        label=_("Only for residents of (none: everyone)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    min_lifetime = _units(_("Lifetime points at least"), low=0)
    min_balance = _units(_("Balance at least"), low=0)
    perk = forms.ChoiceField(
        label=_("What the privilege gives"),
        choices=[("", _("nothing (not a privilege)")), *Perk.choices],
        required=False,
    )
    waitlist = forms.BooleanField(
        label=_("When out of stock, residents wait, highest balance first"), required=False
    )
    is_active = forms.BooleanField(label=_("Offered"), required=False, initial=True)

    def __init__(self, *args: Any, communities: list[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = {c.pk: c for c in communities}
        field = self.fields["communities"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # declared so above
        field.choices = [(c.pk, c.name) for c in communities]

    @classmethod
    def initial_for(cls, reward: Reward) -> dict[str, Any]:
        names = [f for f in cls.base_fields if f not in ("photo", "communities")]
        initial = {name: getattr(reward, name) for name in names}
        initial["communities"] = [c.pk for c in reward.communities.all()]
        return initial

    def clean_photo(self) -> CleanPhoto | None:
        """The photo checked and re-encoded without its metadata, before anything is kept."""
        upload = self.cleaned_data["photo"]
        if not upload:
            return None
        if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(str(PhotoTooLarge(max=PHOTO_MAX_BYTES // 2**20)))
        try:
            return clean_photo(upload, max_bytes=PHOTO_MAX_BYTES)
        except DomainError as refusal:
            raise forms.ValidationError(str(refusal)) from refusal

    def reward_fields(self) -> dict[str, Any]:
        """The arguments of save_reward, but the programme, actor and reward."""
        data = dict(self.cleaned_data)
        data["communities"] = [self.offered[pk] for pk in data["communities"]]
        return data


class StockForm(forms.Form):
    """Units added to a store's shelf, or the shelf made unlimited."""

    store = forms.ChoiceField(label=_("Store"))
    add = forms.IntegerField(label=_("Units to add"), min_value=0, max_value=MAX_UNITS, initial=0)
    unlimited = forms.BooleanField(
        label=_("No limit (a service or a title)"),
        required=False,
    )

    def __init__(self, *args: Any, stores: list[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stores = {s.code: s for s in stores}
        field = self.fields["store"]
        assert isinstance(field, forms.ChoiceField)  # declared so above
        field.choices = [(s.code, s.name) for s in stores]

    def chosen_store(self) -> Store:
        return self.stores[self.cleaned_data["store"]]


class StoreForm(forms.Form):
    """Every field of services.save_store."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits, - and _; used in the records and addresses."),
    )
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=StoreKind.choices)
    community = forms.TypedChoiceField(
        label=_("Community"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("A village's own store; leave empty for the programme's (or a partner)."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_active = forms.BooleanField(label=_("Open"), required=False, initial=True)

    def __init__(self, *args: Any, communities: list[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = {c.pk: c for c in communities}
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)  # declared so above
        field.choices = [("", _("the whole programme")), *((c.pk, c.name) for c in communities)]

    @classmethod
    def initial_for(cls, store: Store) -> dict[str, Any]:
        initial = {name: getattr(store, name) for name in cls.base_fields}
        initial["community"] = store.community_id
        return initial

    def store_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["community"] = self.offered.get(data["community"]) if data["community"] else None
        return data


class CashiersForm(forms.Form):
    cashiers = forms.TypedMultipleChoiceField(
        label=_("Cashiers at this store"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Staff with the programme's cashier role."),
    )

    def __init__(self, *args: Any, offered: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = {u.pk: u for u in offered}
        field = self.fields["cashiers"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # declared so above
        field.choices = [(u.pk, u.get_full_name() or u.get_username()) for u in offered]

    def chosen(self) -> list[User]:
        return [self.offered[pk] for pk in self.cleaned_data["cashiers"]]


class RewardSettingsForm(forms.Form):
    """Every field of services.update_settings."""

    code_days = forms.IntegerField(label=_("Days a code stays valid"), min_value=1, max_value=365)
    delivery_working_days = forms.IntegerField(
        label=_("Working days to deliver"), min_value=1, max_value=60
    )
    refusal_penalty = forms.IntegerField(
        label=_("Penalty for refusing a delivery for personal reasons (points)"),
        min_value=0,
        max_value=MAX_POINTS,
    )
    settlement_months = forms.TypedChoiceField(
        label=_("Stores are settled every"), choices=SETTLEMENT_MONTHS, coerce=int
    )
    zones = forms.CharField(
        label=_("Zones (prices in points, separated by spaces or commas)"),
        max_length=200,
        required=False,
    )
    donated_needs_goods = forms.BooleanField(
        label=_("The donated-goods area opens after a goods-area redemption in the month"),
        required=False,
    )

    @classmethod
    def initial_for(cls, settings: RewardSettings) -> dict[str, Any]:
        initial = {name: getattr(settings, name) for name in cls.base_fields}
        initial["zones"] = " ".join(str(z) for z in settings.zones or [])
        return initial

    def clean_zones(self) -> list[int]:
        texts = self.cleaned_data["zones"].replace(",", " ").replace("，", " ").split()
        if any(not t.isascii() or not t.isdigit() or len(t) > 7 for t in texts):
            raise forms.ValidationError(_("Write each zone as a whole number of points."))
        return [int(t) for t in texts]


class OrderFilter(forms.Form):
    """The orders' filters; anything not understood is left out."""

    status = forms.ChoiceField(label=_("Status"), choices=ANY + RedemptionStatus.choices)
    store = forms.ChoiceField(label=_("Store"))
    handover = forms.ChoiceField(label=_("Handed over"), choices=ANY + Handover.choices)
    overdue = forms.BooleanField(label=_("Overdue deliveries only"), required=False)

    def __init__(self, *args: Any, stores: list[Store], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        field = self.fields["store"]
        assert isinstance(field, forms.ChoiceField)  # declared so above
        field.choices = ANY + [(s.code, s.name) for s in stores]

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class RefuseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why the resident refused"), choices=RefusalReason.choices)


class RewardFilter(forms.Form):
    """The catalogue's filters; anything not understood is left out."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ANY + RewardKind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=ANY + RewardCategory.choices)
    area = forms.ChoiceField(label=_("Area"), choices=ANY + RewardArea.choices)
    active = forms.ChoiceField(
        label=_("Offered"), choices=[("", _("all")), ("yes", _("offered")), ("no", _("withdrawn"))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        found = {name: data[name] for name in ("kind", "category", "area") if data[name]}
        if data["active"]:
            found["is_active"] = data["active"] == "yes"
        return found
