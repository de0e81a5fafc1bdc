"""The console's import page: a good file imports, a bad one lists every problem."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.programmes.models import Member
from jifen.programmes.tests.test_import_residents import GOOD, as_csv, as_xlsx


def upload(client, programme, name, data):
    return client.post(
        reverse("console-import", args=[programme.slug]), {"file": SimpleUploadedFile(name, data)}
    )


def test_a_good_workbook_is_imported_and_summarised(
    client, admin, programme, community, other_community
):
    client.force_login(admin)
    response = upload(client, programme, "residents.xlsx", as_xlsx(GOOD))
    assert response.status_code == 200
    assert response.context["result"].created == 3
    assert Member.objects.filter(programme=programme).count() == 3


def test_a_bad_file_is_refused_with_every_row_named(
    client, admin, programme, community, other_community
):
    client.force_login(admin)
    bad = [[*GOOD[0][:4], "", *GOOD[0][5:]], ["火星", *GOOD[1][1:]]]
    response = upload(client, programme, "residents.csv", as_csv(bad))
    assert response.status_code == 422
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (2, "name"),
        (3, "community"),
    ]
    assert "火星" in response.content.decode()
    assert Member.objects.count() == 0


def test_a_file_of_another_type_is_refused(client, admin, programme):
    client.force_login(admin)
    assert upload(client, programme, "residents.pdf", b"%PDF").status_code == 422


def test_the_templates_download_with_chinese_headers(client, admin, programme):
    client.force_login(admin)
    csv_file = client.get(reverse("console-import-template", args=[programme.slug, "csv"]))
    assert csv_file.content.decode("utf-8-sig").startswith("社区,楼栋")
    xlsx = client.get(reverse("console-import-template", args=[programme.slug, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
