"""`jifen import-residents FILE --programme SLUG [--dry-run]`."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from jifen import cli
from jifen.audit.models import AuditEntry
from jifen.programmes.models import Member
from jifen.programmes.tests.test_import_residents import GOOD, as_csv, as_xlsx, changed
from jifen.testing import CRAFTED_FILES


@pytest.fixture
def sheet(tmp_path, programme, community, other_community):
    def write(data: bytes, name: str = "residents.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def command(path, *options, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_residents", path, *options, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_a_workbook_and_prints_a_summary(sheet, programme):
    out, _ = command(sheet(as_xlsx(GOOD), "residents.xlsx"), programme=programme.slug)
    assert out.strip() == "3 rows: 3 residents created, 0 updated, 0 unchanged, 2 new households."
    assert Member.objects.filter(programme=programme).count() == 3
    assert AuditEntry.objects.filter(action="residents.import", actor=None).count() == 1


def test_the_command_run_twice_updates_and_never_duplicates(sheet, programme):
    path = sheet(as_csv(GOOD))
    command(path, programme=programme.slug)
    out, _ = command(path, programme=programme.slug)
    assert "0 residents created, 0 updated, 3 unchanged" in out
    assert Member.objects.count() == 3


def test_the_command_lists_every_problem_and_exits_with_status_1(sheet, programme):
    bad = [changed(GOOD[0], name=""), changed(GOOD[1], community="火星", status="gone")]
    with pytest.raises(CommandError) as info:
        command(sheet(as_csv(bad)), "--language", "en", programme=programme.slug)
    assert info.value.returncode == 1
    assert "3 problem(s)" in str(info.value)
    assert Member.objects.count() == 0


def test_the_command_writes_every_problem_to_standard_error(sheet, programme):
    bad = [changed(GOOD[0], name=""), changed(GOOD[1], community="火星", status="gone")]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_residents",
            sheet(as_csv(bad)),
            programme=programme.slug,
            language="en",
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "row 2, name: The name is missing.",
        "row 3, community: There is no community “火星” in this programme.",
        "row 3, status: “gone” is not a status (active, inactive or left).",
    ]


def test_messages_default_to_the_programmes_language(sheet, programme):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_residents",
            sheet(as_csv([changed(GOOD[0], phone="123")])),
            programme=programme.slug,
            stderr=err,
        )
    assert err.getvalue().startswith("row 2, 手机号: ")


def test_the_jifen_command_exits_with_status_1_on_a_bad_file(sheet, monkeypatch, capsys):
    path = sheet(as_csv([changed(GOOD[0], name="")]))
    argv = ["jifen", "import-residents", path, "--programme", "xingfuli", "--language", "en"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as info:
        cli.main()  # closes the database connection when done, as any command line does
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "row 2, name: The name is missing." in err
    assert "CommandError: Nothing was imported: the file has 1 problem(s)." in err


def test_a_dry_run_checks_and_counts_but_writes_nothing(sheet, programme):
    before = AuditEntry.objects.count()
    out, _ = command(sheet(as_csv(GOOD)), programme=programme.slug, dry_run=True)
    assert out.startswith("Dry run, nothing written: 3 rows: 3 residents created")
    assert Member.objects.count() == 0 and AuditEntry.objects.count() == before


def test_a_long_file_shows_a_progress_bar_on_standard_error(sheet, programme):
    rows = [
        ["东区", str(i // 4), "1", str(i % 4), f"居民{i}", f"137{i:08d}", "", "", "", "", "", ""]
        for i in range(1_200)
    ]
    _, err = command(sheet(as_csv(rows)), programme=programme.slug)
    assert "checking [" + "#" * 30 + "] 1200/1200" in err
    assert "writing  [" + "#" * 30 + "] 1200/1200" in err
    assert Member.objects.count() == 1_200


def test_a_short_file_shows_no_progress_bar(sheet, programme):
    assert command(sheet(as_csv(GOOD)), programme=programme.slug)[1] == ""


def test_an_unknown_programme_or_file_is_refused(sheet, programme, tmp_path):
    with pytest.raises(CommandError, match="no programme"):
        command(sheet(as_csv(GOOD)), programme="nowhere")
    with pytest.raises(CommandError, match="no file"):
        command(str(tmp_path / "missing.csv"), programme=programme.slug)


def test_unstorable_and_huge_cells_are_listed_by_row_and_column_without_a_traceback(
    sheet, programme
):
    bad = [changed(GOOD[0], name="王\x00秀英"), changed(GOOD[1], interests="书" * 200_000)]
    assert command_errors(sheet(as_csv(bad)), programme) == [
        "row 2, name: The cell contains a character that cannot be stored (a NUL character or "
        "a broken one): retype it.",
        "row 3, interests: At most 1000 characters.",
    ]
    assert Member.objects.count() == 0


def test_a_crafted_workbook_is_refused_with_its_reason(sheet, programme):
    filename, build = CRAFTED_FILES["a million empty rows"]
    assert command_errors(sheet(build(), filename), programme) == [
        "row 1: The file has more than 100000 rows, empty ones included: delete the rows below "
        "the residents."
    ]


def test_a_file_over_the_size_limit_is_refused(sheet, programme):
    filename, build = CRAFTED_FILES["a file over the size limit"]
    assert command_errors(sheet(build(), filename), programme) == [
        "row 1: The file is larger than 10 MB."
    ]


def command_errors(path, programme):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_residents", path, programme=programme.slug, language="en", stderr=err)
    return err.getvalue().splitlines()
