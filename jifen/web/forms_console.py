"""Forms for programme-level console pages."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jifen.programmes.models import ProgrammeWalletLevel, RoleKind

STAFF_KINDS = [(k, label) for k, label in RoleKind.choices if k != RoleKind.RESIDENT]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    timezone = forms.CharField(label=_("Time zone"), max_length=60)
    currency_name = forms.CharField(label=_("Name of the points"), max_length=30)
    point_value = forms.DecimalField(
        label=_("Value of one point in money"), min_value=0, max_digits=10, decimal_places=2
    )
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
    name = forms.CharField(label=_("Name"), max_length=120)
    population = forms.IntegerField(label=_("Population"), min_value=0, max_value=10_000_000)


class RoleForm(forms.Form):
    login = forms.CharField(label=_("Username or phone number of the person"), max_length=100)
    kind = forms.ChoiceField(label=_("Role"), choices=STAFF_KINDS)
    community = forms.TypedChoiceField(
        label=_("Limited to community"), coerce=int, required=False, empty_value=None
    )
    password = forms.CharField(
        label=_("Password for a new account"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Only when the username is new: an account is created with it."),
    )

    def __init__(self, *args, communities, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.communities = {c.pk: c for c in communities}
        self.fields["community"].choices = [("", _("Every community"))] + [
            (c.pk, c.name) for c in communities
        ]
