"""Console: import residents from a spreadsheet, and download an empty template."""

import csv
import io

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from jifen.programmes.access import access_programme
from jifen.programmes.import_parse import COLUMNS, FILE_TOO_LARGE, MAX_FILE_BYTES, header_name
from jifen.programmes.import_write import ImportRefused, import_residents
from jifen.web.common import render_console


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (XLSX or CSV)"))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv")):
            raise forms.ValidationError(_("Choose an XLSX or CSV file."))
        if upload.size > MAX_FILE_BYTES:  # refused before it is read into memory
            raise forms.ValidationError(FILE_TOO_LARGE, params={"max": MAX_FILE_BYTES // 2**20})
        return upload


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, slug: str) -> HttpResponse:
    scope = access_programme(request.user, slug, "manage_members")
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form, "columns": COLUMNS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            context["result"] = import_residents(
                actor=request.user, scope=scope, filename=upload.name, data=upload.read()
            )
        except ImportRefused as refusal:
            context.update(refusal=refusal, errors=refusal.errors)
            return render_console(request, scope, "web/console/import.html", context, status=422)
    status = 422 if request.method == "POST" and not form.is_valid() else 200
    return render_console(request, scope, "web/console/import.html", context, status=status)


def import_template(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """An empty sheet with one example row; the headers are Chinese for a Chinese page, English
    otherwise (both are accepted on import)."""
    scope = access_programme(request.user, slug, "manage_members")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    chinese = (get_language() or "").startswith("zh")
    header = [header_name(column) for column in COLUMNS]
    community = scope.communities().order_by("name").first()
    example = EXAMPLE_ZH if chinese else EXAMPLE_EN
    rows = [header, [community.name if community else example[0], *example[1:]]]
    response = HttpResponse(_csv(rows) if fmt == "csv" else _xlsx(rows), content_type=TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="residents-template.{fmt}"'
    return response


# fmt: off
EXAMPLE_ZH = ["东区", "3", "2", "301", "", "张伟", "13800138000", "1952", "是", "是", "否", "否",
              "读书、助老", "2024-05-01", "在册"]
EXAMPLE_EN = ["东区", "3", "2", "301", "", "张伟", "13800138000", "1952", "yes", "yes", "no", "no",
              "reading, elderly care", "2024-05-01", "active"]
# fmt: on
TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the file as UTF-8


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


urlpatterns = [
    path("import/", import_page, name="console-import"),
    path("import/template.<str:fmt>", import_template, name="console-import-template"),
]
