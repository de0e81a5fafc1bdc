"""HTML forms for the console. They parse input; the services enforce the rules."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.programmes.models import Member, MemberStatus
from jifen.programmes.services import MemberData


class MemberForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            help_text=_("Leave empty for a resident without a phone."))
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    building = forms.CharField(label=_("Building"), max_length=30, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    room = forms.CharField(label=_("Room"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False,
                              help_text=_("Or a free-form address instead of building/unit/room."))
    joined_on = forms.DateField(label=_("Joined on"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900,
                                    max_value=date.today().year)
    is_elderly = forms.BooleanField(label=_("Elderly"), required=False)
    is_child = forms.BooleanField(label=_("Child"), required=False)
    is_new_resident = forms.BooleanField(label=_("New resident"), required=False)
    interest_tags = forms.CharField(label=_("Interests"), required=False,
                                    help_text=_("Separated by commas."))
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices,
                               initial=MemberStatus.ACTIVE)

    def __init__(self, *args, communities, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.communities = {c.pk: c for c in communities}
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, object]:
        household = member.household
        return {
            "display_name": member.display_name, "phone": member.phone,
            "community": member.community_id, "joined_on": member.joined_on,
            "birth_year": member.birth_year, "is_elderly": member.is_elderly,
            "is_child": member.is_child, "is_new_resident": member.is_new_resident,
            "interest_tags": ", ".join(member.interest_tags), "status": member.status,
            **({k: getattr(household, k) for k in ("building", "unit", "room", "address")}
               if household else {}),
        }

    def address_parts(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in ("building", "unit", "room", "address")}

    def member_data(self, household) -> MemberData:  # type: ignore[no-untyped-def]
        d = self.cleaned_data
        tags = [t.strip() for t in d["interest_tags"].replace("，", ",").split(",") if t.strip()]
        return MemberData(
            display_name=d["display_name"], community=self.communities[d["community"]],
            phone=d["phone"], household=household, joined_on=d["joined_on"],
            birth_year=d["birth_year"], is_elderly=d["is_elderly"], is_child=d["is_child"],
            is_new_resident=d["is_new_resident"], interest_tags=tags, status=d["status"])
