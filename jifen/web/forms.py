"""HTML forms for the console. They parse input; the services enforce the rules."""

from dataclasses import fields as dataclass_fields
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.ledger.models import CapAction, CapPeriod, CapScope, ExpiryMode
from jifen.ledger.services import (
    MAX_CAP,
    MAX_POINT_VALUE,
    MAX_POPULATION,
    MAX_QUOTA,
    MAX_ROLLING_MONTHS,
    Cap,
    PolicySettings,
    QuotaTier,
)
from jifen.programmes.models import (
    Community,
    Household,
    Member,
    MemberStatus,
    ProgrammeWalletLevel,
    RoleKind,
)
from jifen.programmes.services import MemberData

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

ADDRESS_FIELDS = ("building", "unit", "room", "address")
PASSWORD_MAX_LENGTH = 128  # longer is no safer, and each sign-in hashes it again


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # the form declares it so
    field.choices = choices


class MemberForm(forms.Form):
    """A resident's details. The household is either one that exists (chosen) or the one at
    the address typed in — found or created by the service — or none."""

    # Translators: a person's name (姓名); a thing's name has the context "name of a thing".
    display_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Leave empty for a resident without a phone."),
    )
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    household = forms.ChoiceField(label=_("Existing household"), required=False)
    building = forms.CharField(label=_("Building"), max_length=30, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    room = forms.CharField(label=_("Room"), max_length=30, required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Or a free-form address instead of building/unit/room."),
    )
    joined_on = forms.DateField(
        label=_("Joined on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900)
    is_elderly = forms.BooleanField(label=_("Elderly"), required=False)
    is_child = forms.BooleanField(label=_("Child"), required=False)
    is_new_resident = forms.BooleanField(label=_("New resident"), required=False)
    interest_tags = forms.CharField(
        label=_("Interests"), max_length=500, required=False, help_text=_("Separated by commas.")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=MemberStatus.choices, initial=MemberStatus.ACTIVE
    )

    def __init__(
        self,
        *args: Any,
        communities: list[Community],
        households: list[tuple[str, str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {c.pk: c for c in communities}
        _set_choices(self, "community", [(c.pk, c.name) for c in communities])
        _set_choices(self, "household", _grouped(households))
        # Checked per request, not at import time: a long-running server crosses New Year.
        self.fields["birth_year"].validators.append(MaxValueValidator(date.today().year))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("household") and any(data.get(k) for k in ADDRESS_FIELDS):
            raise forms.ValidationError(
                _("Choose an existing household or type an address, not both.")
            )
        return data

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, object]:
        return {
            "display_name": member.display_name,
            "phone": member.phone,
            "community": member.community_id,
            "household": member.household.public_id if member.household else "",
            "joined_on": member.joined_on,
            "birth_year": member.birth_year,
            "is_elderly": member.is_elderly,
            "is_child": member.is_child,
            "is_new_resident": member.is_new_resident,
            "interest_tags": ", ".join(member.interest_tags),
            "status": member.status,
        }

    def address_parts(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in ADDRESS_FIELDS}

    def community_chosen(self) -> Community:
        return self.communities[self.cleaned_data["community"]]

    def member_data(self, household: Household | None) -> MemberData:
        d = self.cleaned_data
        return MemberData(
            display_name=d["display_name"],
            community=self.community_chosen(),
            phone=d["phone"],
            household=household,
            joined_on=d["joined_on"],
            birth_year=d["birth_year"],
            is_elderly=d["is_elderly"],
            is_child=d["is_child"],
            is_new_resident=d["is_new_resident"],
            interest_tags=split_tags(d["interest_tags"]),
            status=d["status"],
        )


def split_tags(text: str) -> list[str]:
    """“书法，太极, chess” → ["书法", "太极", "chess"]: Chinese and Latin commas both count."""
    return [t.strip() for t in text.replace("，", ",").split(",") if t.strip()]


def _grouped(households: list[tuple[str, str, str]]) -> list[tuple[Any, Any]]:
    """Choices for a <select>: one <optgroup> per community, after a "none" choice."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for public_id, label, community in households:
        groups.setdefault(community, []).append((public_id, label))
    return [("", _("— none, or the address below —")), *groups.items()]


STAFF_KINDS = [(k, label) for k, label in RoleKind.choices if k != RoleKind.RESIDENT]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    timezone = forms.CharField(label=_("Time zone"), max_length=60)
    currency_name = forms.CharField(label=_("Name of the points"), max_length=30)
    money_currency = forms.CharField(label=_("Money currency"), min_length=3, max_length=3)
    wallet_level = forms.ChoiceField(label=_("Wallets"), choices=ProgrammeWalletLevel.choices)
    is_public = forms.BooleanField(label=_("Public landing page"), required=False)

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(
                _("“%(zone)s” is not a time zone, e.g. Asia/Shanghai."), params={"zone": value}
            ) from exc
        return value

    def clean_money_currency(self) -> str:
        return self.cleaned_data["money_currency"].upper()


class CommunityForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("name of a thing", "Name"), max_length=120)
    population = forms.IntegerField(label=_("Population"), min_value=0, max_value=10_000_000)


class RoleForm(forms.Form):
    login = forms.CharField(label=_("Username or phone number of the person"), max_length=100)
    kind = forms.ChoiceField(label=_("Role"), choices=STAFF_KINDS)
    community = forms.TypedChoiceField(
        label=_("Limited to community"), coerce=int, required=False, empty_value=None
    )
    password = forms.CharField(
        label=_("Password for a new account"),
        max_length=PASSWORD_MAX_LENGTH,
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Only when the username is new: an account is created with it."),
    )

    def __init__(self, *args: Any, communities: list[Community], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.communities = {c.pk: c for c in communities}
        every: list[tuple[object, object]] = [("", _("Every community"))]
        _set_choices(self, "community", every + [(c.pk, c.name) for c in communities])


CAP_FIELDS = [(f"cap_{s}_{p}", s, p) for s in CapScope.values for p in CapPeriod.values]
TIER_ROWS = 8  # rows the quota table offers; the service accepts up to MAX_TIERS


class PolicyForm(forms.Form):
    """The ledger policy page: one field per cap (empty: no cap), the quota table as rows of
    (population up to, monthly quota), expiry, transfers, point value. Bounds here only
    help the typist: the ledger's update_policy checks everything again."""

    when_capped = forms.ChoiceField(
        label=_("When an award goes over a cap"),
        choices=CapAction.choices,
        widget=forms.RadioSelect,
    )
    quotas_enabled = forms.BooleanField(
        label=_("Communities have a monthly quota by population"), required=False
    )
    expiry_mode = forms.ChoiceField(
        label=_("Points expire"), choices=ExpiryMode.choices, widget=forms.RadioSelect
    )
    rolling_months = forms.IntegerField(
        label=_("Months of validity (rolling)"), min_value=1, max_value=MAX_ROLLING_MONTHS
    )
    transfers_allowed = forms.BooleanField(
        label=_("Residents may transfer points to each other"), required=False
    )
    point_value = forms.DecimalField(
        label=_("Value of one point in money"),
        min_value=0,
        max_value=MAX_POINT_VALUE,
        max_digits=10,
        decimal_places=2,
    )

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, scope, period in CAP_FIELDS:
            label = _("At most, per %(scope)s per %(period)s") % {
                "scope": CapScope(scope).label,
                "period": CapPeriod(period).label,
            }
            self.fields[name] = forms.IntegerField(
                label=label, required=False, min_value=1, max_value=MAX_CAP
            )
        for row in range(TIER_ROWS):
            self.fields[f"tier_{row}_population"] = forms.IntegerField(
                label=_("Population up to"), required=False, min_value=1, max_value=MAX_POPULATION
            )
            self.fields[f"tier_{row}_quota"] = forms.IntegerField(
                label=_("Monthly quota"), required=False, min_value=1, max_value=MAX_QUOTA
            )
        for field in self.fields.values():
            field.disabled = read_only

    @classmethod
    def initial_for(cls, settings: PolicySettings) -> dict[str, object]:
        initial: dict[str, object] = {
            f.name: getattr(settings, f.name)
            for f in dataclass_fields(PolicySettings)
            if f.name not in ("caps", "quota_tiers")
        }
        initial |= {f"cap_{c.scope}_{c.period}": c.limit for c in settings.caps}
        for row, tier in enumerate(settings.quota_tiers):
            initial |= {f"tier_{row}_population": tier.population, f"tier_{row}_quota": tier.quota}
        return initial

    def cap_rows(self) -> list[tuple["_StrOrPromise", list[forms.BoundField]]]:
        """(scope label, its four bound fields: day, week, month, year), for the table."""
        return [
            (label, [self[f"cap_{scope}_{period}"] for period in CapPeriod.values])
            for scope, label in CapScope.choices
        ]

    def tier_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"tier_{r}_population"], self[f"tier_{r}_quota"]) for r in range(TIER_ROWS)]

    def settings(self) -> PolicySettings:
        """The settings typed in; rows of the quota table left empty are dropped, and an empty
        table means 001 篇三's."""
        data = self.cleaned_data
        caps = tuple(Cap(s, p, data[name]) for name, s, p in CAP_FIELDS if data[name] is not None)
        tiers = tuple(
            QuotaTier(data[f"tier_{r}_population"], data[f"tier_{r}_quota"])
            for r in range(TIER_ROWS)
            if data[f"tier_{r}_population"] is not None or data[f"tier_{r}_quota"] is not None
        )
        return PolicySettings(
            caps=caps,
            when_capped=data["when_capped"],
            quotas_enabled=data["quotas_enabled"],
            quota_tiers=tiers or PolicySettings().quota_tiers,
            expiry_mode=data["expiry_mode"],
            rolling_months=data["rolling_months"],
            transfers_allowed=data["transfers_allowed"],
            point_value=data["point_value"],
        )
