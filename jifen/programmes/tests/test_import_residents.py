"""Resident import: every rule, all-or-nothing, idempotent, both file formats."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from jifen.audit.models import AuditEntry
from jifen.programmes.access import operator_scope, staff_scope
from jifen.programmes.importing import ImportRefused, import_residents
from jifen.programmes.models import Household, Member, RoleKind
from jifen.testing import make_staff

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
GOOD = [
    [
        "东区",
        "3",
        "2",
        "301",
        "张伟",
        "138 0000 0001",
        "1950",
        "yes",
        "yes",
        "读书，助老",
        "2025-03-01",
        "active",
    ],
    ["东区", "3", "2", "301", "李娜", "13800000002", "1955", "no", "no", "", "", ""],
    ["西区", "1", "1", "101", "王芳", "+86 13800000003", "", "", "", "", "", "在册"],
]


def as_csv(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot(programme):
    return (
        Member.objects.filter(programme=programme).count(),
        Household.objects.filter(programme=programme).count(),
        AuditEntry.objects.filter(programme=programme).count(),
    )


@pytest.fixture
def scope(programme, community, other_community):
    return operator_scope(programme)


def run(scope, data, filename="residents.csv"):
    return import_residents(actor=None, scope=scope, filename=filename, data=data)


def refused(scope, rows, header=HEADER):
    before = snapshot(scope.programme)
    with pytest.raises(ImportRefused) as info:
        run(scope, as_csv(rows, header))
    assert snapshot(scope.programme) == before
    return [(e.row, e.column) for e in info.value.errors], info.value.errors


def test_a_good_csv_creates_households_and_members(scope):
    result = run(scope, as_csv(GOOD))
    assert (result.created, result.updated, result.households_created) == (3, 0, 2)
    zhang = Member.objects.get(display_name="张伟")
    assert zhang.phone == "13800000001" and zhang.is_elderly and zhang.birth_year == 1950
    assert zhang.interest_tags == ["读书", "助老"]
    assert zhang.household.head == zhang and zhang.household.label == "3-2-301"
    assert Member.objects.get(display_name="王芳").phone == "13800000003"


def test_a_good_xlsx_imports_the_same(scope):
    assert run(scope, as_xlsx(GOOD), "residents.xlsx").created == 3


def test_importing_the_same_file_again_updates_and_never_duplicates(scope):
    run(scope, as_csv(GOOD))
    changed = [[*GOOD[0][:4], "张伟", *GOOD[0][5:7], "yes", "no", *GOOD[0][9:]], *GOOD[1:]]
    result = run(scope, as_csv(changed))
    assert (result.created, result.updated, result.households_created) == (0, 3, 0)
    assert Member.objects.count() == 3 and Household.objects.count() == 2
    assert not Member.objects.get(display_name="张伟").is_elderly


def test_chinese_headers_and_a_gbk_file_are_understood(scope):
    header = [
        "社区",
        "楼栋",
        "单元",
        "房号",
        "姓名",
        "手机号",
        "出生年份",
        "户主",
        "老人",
        "兴趣",
        "入住日期",
        "状态",
    ]
    assert run(scope, as_csv(GOOD, header, encoding="gbk")).created == 3


def test_one_import_writes_one_audit_entry(scope):
    run(scope, as_csv(GOOD))
    entry = AuditEntry.objects.get(action="residents.import")
    assert entry.data["created"] == 3
    assert "13800000001" not in str(entry.data)


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({4: ""}, "name"),
        ({5: "12345"}, "phone"),
        ({0: "北区"}, "community"),
        ({0: ""}, "community"),
        ({6: "1850"}, "birth_year"),
        ({6: "abc"}, "birth_year"),
        ({8: "maybe"}, "elderly"),
        ({10: "2025-13-45"}, "joined_on"),
        ({11: "gone"}, "status"),
    ],
)
def test_each_bad_cell_is_refused_with_its_row_and_column(scope, cells, column):
    row = list(GOOD[2])
    for index, value in cells.items():
        row[index] = value
    found, _ = refused(scope, [GOOD[0], GOOD[1], row])
    assert (4, column) in found


def test_a_row_without_any_address_is_refused(scope):
    row = ["东区", "", "", "", "赵六", "", "", "", "", "", "", ""]
    assert (2, "address") in refused(scope, [row])[0]


def test_a_phone_repeated_in_the_file_names_both_rows(scope):
    again = ["西区", "9", "9", "909", "孙七", "13800000001", "", "", "", "", "", ""]
    found, errors = refused(scope, [*GOOD, again])
    assert (5, "phone") in found
    assert "2" in next(e.message for e in errors if e.row == 5)


def test_two_heads_for_one_household_are_refused(scope):
    second = [*GOOD[1][:7], "yes", *GOOD[1][8:]]
    assert (3, "head_of_household") in refused(scope, [GOOD[0], second])[0]


def test_every_bad_row_is_reported_not_only_the_first(scope):
    bad = [
        ["东区", "1", "1", "1", "", "x", "", "", "", "", "", ""],
        ["南区", "1", "1", "2", "甲", "", "", "", "", "", "", ""],
    ]
    found, _ = refused(scope, [GOOD[0], *bad])
    assert {(3, "name"), (3, "phone"), (4, "community")} <= set(found)


def test_a_file_without_the_name_column_is_refused(scope):
    found, _ = refused(scope, [["东区", "1"]], header=["community", "building"])
    assert found == [(1, "")]


def test_a_file_that_is_not_a_workbook_is_refused(scope):
    with pytest.raises(ImportRefused):
        run(scope, b"not a zip", "residents.xlsx")


def test_communities_outside_the_staff_scope_are_unknown(programme, community, other_community):
    clerk = make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    scope = staff_scope(clerk, programme)
    with pytest.raises(ImportRefused) as info:
        run(scope, as_csv(GOOD))
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "community")]


def test_another_programmes_community_names_are_unknown(scope, other_programme):
    row = ["North", "1", "1", "1", "Outsider two", "", "", "", "", "", "", ""]
    assert (2, "community") in refused(scope, [row])[0]


def test_the_command_imports_a_file(scope, tmp_path, capsys):
    path = tmp_path / "residents.xlsx"
    path.write_bytes(as_xlsx(GOOD))
    call_command("import_residents", str(path), programme=scope.programme.slug)
    assert "3 residents created" in capsys.readouterr().out


def test_the_command_lists_every_problem_and_fails(scope, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(as_csv([[*GOOD[0][:4], "", *GOOD[0][5:]]]))
    with pytest.raises(CommandError):
        call_command("import_residents", str(path), programme=scope.programme.slug)
    assert "row 2 · name" in capsys.readouterr().err
    assert Member.objects.count() == 0


def test_a_dry_run_writes_nothing(scope, tmp_path):
    path = tmp_path / "residents.csv"
    path.write_bytes(as_csv(GOOD))
    call_command("import_residents", str(path), programme=scope.programme.slug, dry_run=True)
    assert Member.objects.count() == 0
