"""The console's import page: a good file imports and is summarised, a bad one is refused with
every problem in a table (row, column, message) in the user's language, and only staff who
may manage members of this programme reach it."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jifen.audit.models import AuditEntry
from jifen.programmes.import_parse import COLUMNS, MAX_FILE_BYTES
from jifen.programmes.models import Household, Member, RoleKind
from jifen.programmes.tests.test_import_residents import GOOD, as_csv, as_xlsx, changed
from jifen.testing import CRAFTED_FILES, make_staff


def url(programme, language="en"):
    with translation.override(language):
        return reverse("console-import", args=[programme.slug])


def template_url(programme, fmt, language="en"):
    with translation.override(language):
        return reverse("console-import-template", args=[programme.slug, fmt])


def upload(client, programme, name, data, language="en"):
    return client.post(url(programme, language), {"file": SimpleUploadedFile(name, data)})


def counts(programme):
    return (
        Member.objects.filter(programme=programme).count(),
        Household.objects.filter(programme=programme).count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def staff(client, admin, community, other_community):
    client.force_login(admin)
    return client


def test_the_page_shows_the_form_and_the_template_links(staff, programme):
    page = staff.get(url(programme)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert template_url(programme, "xlsx") in page and template_url(programme, "csv") in page


def test_a_good_workbook_is_imported_and_summarised(staff, programme):
    response = upload(staff, programme, "residents.xlsx", as_xlsx(GOOD))
    assert response.status_code == 200
    assert response.context["result"].created == 3
    assert "3 rows: 3 residents created, 0 updated, 2 new households." in response.content.decode()
    assert Member.objects.filter(programme=programme).count() == 3
    entry = AuditEntry.objects.get(action="residents.import")
    assert entry.actor.username == "admin" and entry.data["file"] == "residents.xlsx"


def test_the_same_file_again_is_summarised_as_unchanged(staff, programme):
    upload(staff, programme, "residents.csv", as_csv(GOOD))
    response = upload(staff, programme, "residents.csv", as_csv(GOOD))
    assert "3 residents were already up to date." in response.content.decode()
    assert Member.objects.filter(programme=programme).count() == 3


def test_a_bad_file_is_refused_with_every_row_named_and_nothing_changes(staff, programme):
    before = counts(programme)
    bad = [changed(GOOD[0], name=""), changed(GOOD[1], community="火星")]
    response = upload(staff, programme, "residents.csv", as_csv(bad))
    assert response.status_code == 422
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (2, "name"),
        (3, "community"),
    ]
    page = response.content.decode()
    assert "<td>2</td><td>name</td><td>The name is missing.</td>" in page
    assert "<td>3</td><td>community</td><td>There is no community “火星”" in page
    assert counts(programme) == before


def test_errors_are_shown_in_the_users_language(staff, programme):
    bad = [changed(GOOD[0], phone="123")]
    response = upload(staff, programme, "residents.csv", as_csv(bad), language="zh-hans")
    assert response.status_code == 422
    assert "<td>2</td><td>手机号</td><td>“123”不是有效的手机号" in response.content.decode()


def test_community_names_of_another_programme_are_unknown(staff, programme, other_programme):
    row = changed(GOOD[0], community="North")
    response = upload(staff, programme, "residents.csv", as_csv([row]))
    assert response.status_code == 422
    assert [(e.row, e.column) for e in response.context["errors"]] == [(2, "community")]


def test_a_file_of_another_type_is_refused(staff, programme):
    assert upload(staff, programme, "residents.pdf", b"%PDF").status_code == 422
    assert Member.objects.count() == 0


def test_a_broken_workbook_is_refused_with_a_message(staff, programme):
    response = upload(staff, programme, "residents.xlsx", b"not a zip")
    assert response.status_code == 422
    assert "not a readable XLSX workbook" in response.content.decode()


def test_the_csv_template_has_chinese_headers_on_a_chinese_page(staff, programme):
    response = staff.get(template_url(programme, "csv", "zh-hans"))
    assert response["Content-Disposition"] == 'attachment; filename="residents-template.csv"'
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == [aliases[1] for aliases in COLUMNS.values()]
    assert example[0] == "东区"


def test_the_xlsx_template_has_english_headers_on_an_english_page(staff, programme):
    response = staff.get(template_url(programme, "xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)


def test_a_downloaded_template_imports_as_it_is(staff, programme):
    for fmt in ("csv", "xlsx"):
        data = staff.get(template_url(programme, fmt, "zh-hans")).content
        assert upload(staff, programme, f"template.{fmt}", data).status_code == 200
    assert Member.objects.get(programme=programme).display_name == "张伟"


def test_an_unknown_template_format_is_not_found(staff, programme):
    response = staff.get(reverse("console-import-template", args=[programme.slug, "pdf"]))
    assert response.status_code == 404


@pytest.mark.parametrize("kind", [RoleKind.CASHIER, RoleKind.REVIEWER, RoleKind.AUDITOR])
def test_a_role_without_manage_members_gets_404(client, programme, community, kind):
    client.force_login(make_staff(programme=programme, kind=kind))
    assert client.get(url(programme)).status_code == 404
    assert upload(client, programme, "residents.csv", as_csv(GOOD)).status_code == 404
    assert client.get(template_url(programme, "csv")).status_code == 404
    assert Member.objects.count() == 0


def test_staff_of_another_programme_get_404(client, programme, community, other_admin):
    client.force_login(other_admin)
    before = counts(programme)
    assert client.get(url(programme)).status_code == 404
    assert upload(client, programme, "residents.csv", as_csv(GOOD)).status_code == 404
    assert client.get(template_url(programme, "xlsx")).status_code == 404
    assert counts(programme) == before


def test_a_visitor_is_asked_to_sign_in_and_a_resident_gets_404(client, programme, resident):
    assert client.get(url(programme))["Location"].startswith("/en/login/?next=")
    client.force_login(resident)
    assert client.get(url(programme)).status_code == 404


def test_an_organizer_of_one_community_imports_only_there(client, programme, community):
    client.force_login(
        make_staff(programme=programme, kind=RoleKind.ORGANIZER, community=community)
    )
    response = upload(client, programme, "residents.csv", as_csv(GOOD))
    assert [(e.row, e.column) for e in response.context["errors"]] == [(4, "community")]
    response = upload(client, programme, "residents.csv", as_csv(GOOD[:2]))
    assert response.status_code == 200 and response.context["result"].created == 2


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(staff, programme):
    response = upload(staff, programme, "residents.csv", b"x" * (MAX_FILE_BYTES + 1))
    assert response.status_code == 422
    assert "The file is larger than 10 MB." in response.content.decode()
    assert Member.objects.count() == 0


def test_a_crafted_workbook_is_refused_with_its_reason(staff, programme):
    filename, build = CRAFTED_FILES["a sheet unpacking to 200 MB"]
    response = upload(staff, programme, filename, build())
    assert response.status_code == 422
    assert "Unpacked, the workbook would be larger than 150 MB" in response.content.decode()


def test_a_cell_with_a_nul_character_is_named_in_the_table(staff, programme):
    response = upload(staff, programme, "residents.csv", as_csv([changed(GOOD[0], name="王\x00")]))
    assert response.status_code == 422
    assert "<td>2</td><td>name</td><td>The cell contains a character that cannot be stored" in (
        response.content.decode()
    )


def test_a_request_over_the_size_limit_is_refused_unread(staff, programme, settings):
    settings.MAX_REQUEST_BYTES = 1_000
    response = upload(staff, programme, "residents.csv", as_csv(GOOD * 20))
    assert response.status_code == 400
    assert Member.objects.count() == 0
