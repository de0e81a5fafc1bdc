"""Resident import (一户一档): every rule, all or nothing, idempotent, both file formats."""

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from jifen.audit.models import AuditEntry
from jifen.programmes import services
from jifen.programmes.access import operator_scope, staff_scope
from jifen.programmes.import_write import ImportRefused, import_residents
from jifen.programmes.models import Household, Member, MemberStatus, RoleKind
from jifen.testing import make_household, make_member, make_staff

DATA = Path(__file__).parent / "data"
HEADER = [
    "community",
    "building",
    "unit",
    "room",
    "name",
    "phone",
    "birth_year",
    "head_of_household",
    "elderly",
    "interests",
    "joined_on",
    "status",
]
# fmt: off
GOOD = [
    ["东区", "3", "2", "301", "张伟", "138 0000 0001", "1950", "yes", "yes", "读书，助老",
     "2025-03-01", "active"],
    ["东区", "3", "2", "301", "李娜", "13800000002", "1955", "no", "no", "", "", ""],
    ["西区", "1", "1", "101", "王芳", "+86 13800000003", "", "", "", "", "", "在册"],
]
# fmt: on
COLUMN = {name: index for index, name in enumerate(HEADER)}


def as_csv(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def changed(row, **cells):
    """A copy of the row with some cells replaced, by column name."""
    row = list(row)
    for name, value in cells.items():
        row[COLUMN[name]] = value
    return row


def snapshot(programme):
    return (
        Member.objects.filter(programme=programme).count(),
        Household.objects.filter(programme=programme).count(),
        AuditEntry.objects.filter(programme=programme).count(),
        list(Member.objects.filter(programme=programme).values_list("display_name", "phone")),
    )


@pytest.fixture
def scope(programme, community, other_community):
    return operator_scope(programme)


def run(scope, data, filename="residents.csv"):
    return import_residents(actor=None, scope=scope, filename=filename, data=data)


def refused(scope, rows, header=HEADER):
    """Import the rows expecting a refusal; check nothing changed; return (row, column)s."""
    before = snapshot(scope.programme)
    with pytest.raises(ImportRefused) as info:
        run(scope, as_csv(rows, header))
    assert snapshot(scope.programme) == before
    return [(e.row, e.column) for e in info.value.errors], info.value.errors


def phoneless(community, name, household):
    data = services.MemberData(display_name=name, community=community, household=household)
    return services.create_member(actor=None, programme=community.programme, data=data)


# --- good files -------------------------------------------------------------------------


def test_a_good_csv_creates_households_and_members(scope):
    result = run(scope, as_csv(GOOD))
    assert (result.rows, result.created, result.updated, result.households_created) == (3, 3, 0, 2)
    zhang = Member.objects.get(display_name="张伟")
    assert zhang.phone == "13800000001" and zhang.is_elderly and zhang.birth_year == 1950
    assert zhang.interest_tags == ["读书", "助老"] and zhang.joined_on == date(2025, 3, 1)
    assert zhang.household.head == zhang and zhang.household.label == "3-2-301"
    assert zhang.community.name == "东区"
    assert Member.objects.get(display_name="王芳").phone == "13800000003"


def test_a_good_xlsx_with_number_and_date_cells_imports_the_same(scope):
    rows = [changed(GOOD[0], phone=13800000001, birth_year=1950, joined_on=datetime(2025, 3, 1))]
    result = run(scope, as_xlsx([*rows, *GOOD[1:]]), "residents.xlsx")
    assert result.created == 3
    zhang = Member.objects.get(display_name="张伟")
    assert (zhang.phone, zhang.birth_year, zhang.joined_on) == (
        "13800000001",
        1950,
        date(2025, 3, 1),
    )


def test_every_column_is_read(scope):
    header = [*HEADER, "address", "child", "new_resident"]
    row = changed(GOOD[0], building="", unit="", room="", status="left") + ["幸福路8号", "1", "是"]
    run(scope, as_csv([row], header))
    member = Member.objects.get()
    assert member.household.address == "幸福路8号" and member.household.label == "幸福路8号"
    assert member.is_child and member.is_new_resident and member.status == MemberStatus.LEFT


def test_chinese_headers_and_values_in_a_gbk_file_are_understood(scope):
    header = ["社区", "楼栋", "单元", "房号", "姓名", "手机号", "出生年份", "户主", "老人", "兴趣"]
    header += ["入住日期", "状态"]
    rows = [changed(GOOD[0], head_of_household="是", elderly="否", status="迁出"), *GOOD[1:]]
    assert run(scope, as_csv(rows, header, encoding="gbk")).created == 3
    zhang = Member.objects.get(display_name="张伟")
    assert zhang.household.head == zhang and not zhang.is_elderly
    assert zhang.status == MemberStatus.LEFT


def test_the_committed_gbk_sample_imports(scope):
    result = run(scope, (DATA / "residents_gbk.csv").read_bytes())
    assert (result.created, result.households_created) == (4, 2)
    assert Member.objects.get(display_name="陈建国").household.head.display_name == "陈建国"


def test_a_utf8_file_without_the_byte_order_mark_is_read(scope):
    assert run(scope, as_csv(GOOD, encoding="utf-8")).created == 3


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("2025/3/1", date(2025, 3, 1)),
        ("2025.03.01", date(2025, 3, 1)),
        ("2025年3月1日", date(2025, 3, 1)),
        ("45717", date(2025, 3, 1)),  # an Excel serial day
    ],
)
def test_dates_are_read_in_their_usual_forms(scope, text, day):
    run(scope, as_csv([changed(GOOD[0], joined_on=text)]))
    assert Member.objects.get().joined_on == day


def test_interests_are_split_on_commas_and_semicolons(scope):
    run(scope, as_csv([changed(GOOD[0], interests="读书, 跳舞；下棋;书法，唱歌")]))
    assert Member.objects.get().interest_tags == ["读书", "跳舞", "下棋", "书法", "唱歌"]


def test_a_household_without_a_named_head_gets_its_first_resident(scope):
    run(scope, as_csv([changed(GOOD[1], head_of_household="")]))
    li = Member.objects.get(display_name="李娜")
    assert li.household.head == li


def test_a_phone_of_another_programme_is_free_here(scope, other_programme):
    run(scope, as_csv([changed(GOOD[0], phone="13900000001")]))
    assert Member.objects.filter(phone="13900000001").count() == 2
    assert Member.objects.get(programme=other_programme).display_name == "Outsider"


# --- again = update -----------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing_and_never_duplicates(scope):
    run(scope, as_csv(GOOD))
    before = list(Member.objects.values_list("pk", "public_id", "updated_at"))
    result = run(scope, as_csv(GOOD))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert result.households_created == 0
    assert list(Member.objects.values_list("pk", "public_id", "updated_at")) == before
    assert Household.objects.count() == 2


def test_a_changed_file_updates_the_residents_it_changes(scope):
    run(scope, as_csv(GOOD))
    rows = [changed(GOOD[0], elderly="no", name="张伟东"), *GOOD[1:]]
    result = run(scope, as_csv(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    zhang = Member.objects.get(phone="13800000001")
    assert zhang.display_name == "张伟东" and not zhang.is_elderly
    assert Member.objects.count() == 3


def test_a_resident_without_phone_is_found_by_name_in_the_household(scope):
    rows = [changed(GOOD[1], phone="")]
    run(scope, as_csv(rows))
    result = run(scope, as_csv([changed(GOOD[1], phone="", birth_year="1956")]))
    assert (result.created, result.updated) == (0, 1)
    assert Member.objects.get().birth_year == 1956


def test_a_phone_given_later_is_added_to_the_resident_found_by_name(scope, community):
    household = make_household(community=community)
    li = phoneless(community, "李娜", household)
    row = changed(GOOD[1], building=household.building, unit=household.unit, room=household.room)
    assert run(scope, as_csv([row])).updated == 1
    li.refresh_from_db()
    assert li.phone == "13800000002" and Member.objects.count() == 1


def test_a_resident_found_by_phone_may_move_household_and_stops_heading_the_old_one(scope):
    run(scope, as_csv(GOOD))
    moved = changed(GOOD[0], building="9", unit="9", room="909")
    result = run(scope, as_csv([moved]))
    assert (result.updated, result.households_created) == (1, 1)
    zhang = Member.objects.get(display_name="张伟")
    assert zhang.household.label == "9-9-909" and zhang.household.head == zhang
    assert Household.objects.get(room="301").head is None


def test_a_named_head_replaces_the_current_head(scope):
    run(scope, as_csv(GOOD))
    rows = [changed(GOOD[0], head_of_household="no"), changed(GOOD[1], head_of_household="yes")]
    run(scope, as_csv(rows))
    assert Household.objects.get(room="301").head.display_name == "李娜"


def test_one_import_writes_one_audit_entry_without_phones(scope):
    before = AuditEntry.objects.count()
    run(scope, as_csv(GOOD), "名册.csv")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action="residents.import")
    assert entry.data == {
        "file": "名册.csv",
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "households": 2,
    }
    assert "13800000001" not in str(entry.data)


# --- every rule, each refusing the whole file ---------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"name": ""}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "phone"}, "phone"),
        ({"community": "北区"}, "community"),
        ({"community": ""}, "community"),
        ({"birth_year": "1899"}, "birth_year"),
        ({"birth_year": str(date.today().year + 1)}, "birth_year"),
        ({"birth_year": "abc"}, "birth_year"),
        ({"head_of_household": "maybe"}, "head_of_household"),
        ({"elderly": "2"}, "elderly"),
        ({"joined_on": "2025-13-45"}, "joined_on"),
        ({"joined_on": "next week"}, "joined_on"),
        ({"status": "gone"}, "status"),
    ],
)
def test_each_bad_cell_is_refused_with_its_row_and_column(scope, cells, column):
    found, errors = refused(scope, [GOOD[0], GOOD[1], changed(GOOD[2], **cells)])
    assert found == [(4, column)]
    assert errors[0].message


@pytest.mark.parametrize(("column", "limit"), [("name", 100), ("room", 30), ("address", 200)])
def test_a_cell_longer_than_the_database_allows_is_refused(scope, column, limit):
    header = [*HEADER, "address"]
    row = [*GOOD[0], ""]
    row[header.index(column)] = "栋" * (limit + 1)
    found, errors = refused(scope, [row], header)
    assert found == [(2, column)] and str(limit) in errors[0].message


@pytest.mark.parametrize("column", ["child", "new_resident"])
def test_the_other_flags_refuse_a_bad_value(scope, column):
    header = [*HEADER, column]
    assert refused(scope, [[*GOOD[0], "peut-être"]], header)[0] == [(2, column)]


def test_a_row_without_any_address_is_refused(scope):
    row = changed(GOOD[0], building="", unit="", room="")
    assert refused(scope, [row])[0] == [(2, "address")]


def test_a_phone_repeated_in_the_file_names_the_first_row(scope):
    again = ["西区", "9", "9", "909", "孙七", "13800000001", "", "", "", "", "", ""]
    found, errors = refused(scope, [*GOOD, again])
    assert found == [(5, "phone")]
    assert "2" in errors[0].message


def test_a_repeated_phone_is_reported_even_when_the_first_row_has_another_problem(scope):
    again = changed(GOOD[2], phone="13800000001")
    found, _ = refused(scope, [changed(GOOD[0], birth_year="1800"), again])
    assert found == [(2, "birth_year"), (3, "phone")]


def test_the_same_name_twice_in_a_household_needs_two_phones(scope):
    twice = changed(GOOD[0], phone="", head_of_household="")
    assert refused(scope, [GOOD[0], twice])[0] == [(3, "name")]


def test_two_heads_for_one_household_are_refused(scope):
    second = changed(GOOD[1], head_of_household="是")
    assert refused(scope, [GOOD[0], second])[0] == [(3, "head_of_household")]


def test_a_phone_of_a_different_existing_member_is_refused(scope, community):
    household = make_household(community=community)
    make_member(community=community, name="赵六", phone="13800000009")
    phoneless(community, "李娜", household)
    row = changed(GOOD[1], phone="13800000009", building="1", unit="1", room=household.room)
    found, errors = refused(scope, [row])
    assert found == [(2, "phone")] and "赵六" in errors[0].message


def test_two_rows_describing_the_same_existing_member_are_refused(scope):
    run(scope, as_csv(GOOD))
    renamed = changed(GOOD[0], name="张伟东")  # found by phone
    by_name = changed(GOOD[0], phone="", head_of_household="")  # found by name: the same person
    found, errors = refused(scope, [renamed, by_name])
    assert found == [(3, "name")] and "2" in errors[0].message


def test_two_namesakes_in_a_household_need_the_phone(scope, community):
    household = make_household(community=community)
    phoneless(community, "李娜", household)
    phoneless(community, "李娜", household)
    row = changed(GOOD[1], phone="", building="1", unit="1", room=household.room)
    assert refused(scope, [row])[0] == [(2, "name")]


def test_every_bad_row_is_reported_not_only_the_first(scope):
    bad = [
        ["东区", "1", "1", "1", "", "x", "", "", "", "", "", ""],
        ["南区", "1", "1", "2", "甲", "", "", "", "", "", "", ""],
        changed(GOOD[2], joined_on="soon", status="?"),
    ]
    found, _ = refused(scope, [GOOD[0], *bad])
    assert found == [(3, "name"), (3, "phone"), (4, "community"), (5, "joined_on"), (5, "status")]


def test_messages_and_columns_are_in_the_active_language(scope):
    with translation.override("zh-hans"):
        _, errors = refused(scope, [changed(GOOD[0], phone="123")])
        assert errors[0].label == "手机号" and "不是" in errors[0].message
    with translation.override("fr"):
        _, errors = refused(scope, [changed(GOOD[0], phone="123")])
    assert errors[0].message == "«\u00a0123\u00a0» n’est pas un numéro de téléphone valide."


def test_row_numbers_count_the_blank_rows_of_the_sheet(scope):
    data = as_csv([GOOD[0], ["", "", ""], changed(GOOD[1], name="")])
    with pytest.raises(ImportRefused) as info:
        run(scope, data)
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "name")]


def test_a_file_without_the_name_column_is_refused(scope):
    found, _ = refused(scope, [["东区", "1"]], header=["community", "building"])
    assert found == [(1, "")]


def test_an_empty_file_is_refused(scope):
    with pytest.raises(ImportRefused):
        run(scope, b"")


def test_a_file_that_is_not_a_workbook_is_refused(scope):
    with pytest.raises(ImportRefused) as info:
        run(scope, b"not a zip", "residents.xlsx")
    assert [(e.row, e.column) for e in info.value.errors] == [(1, "")]


def test_a_file_that_is_neither_utf8_nor_gbk_is_refused(scope):
    with pytest.raises(ImportRefused):
        run(scope, b"\xff\xfe\x00\xd8\x00\xdc" * 10)


# --- scope -----------------------------------------------------------------------------


def test_communities_outside_the_staff_scope_are_unknown(programme, community, other_community):
    clerk = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    found, _ = refused(staff_scope(clerk, programme), GOOD)
    assert found == [(4, "community")]


def test_a_phone_of_a_resident_outside_the_staff_scope_is_refused(
    programme, community, other_community
):
    make_member(community=other_community, name="王芳", phone="13800000003")
    clerk = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    row = changed(GOOD[1], phone="13800000003")
    assert refused(staff_scope(clerk, programme), [row])[0] == [(2, "phone")]


def test_another_programmes_community_names_are_unknown(scope, other_programme):
    row = ["North", "1", "1", "1", "Outsider two", "", "", "", "", "", "", ""]
    assert refused(scope, [row])[0] == [(2, "community")]
