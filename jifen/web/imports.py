"""Console: import residents from a spreadsheet, and download an empty template."""

import csv
import io

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from jifen.programmes.access import access_programme
from jifen.programmes.importing import ImportRefused, import_residents
from jifen.programmes.imports import COLUMNS
from jifen.web.common import render_console

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (XLSX or CSV)"))

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".csv")):
            raise forms.ValidationError(_("Choose an XLSX or CSV file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
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
    """An empty sheet with the Chinese headers and one example row."""
    access_programme(request.user, slug, "manage_members")
    header = [aliases[1] for aliases in COLUMNS.values()]
    example = [
        "东区",
        "3",
        "2",
        "301",
        "",
        "张伟",
        "13800138000",
        "1952",
        "是",
        "是",
        "否",
        "否",
        "读书、助老",
        "2024-05-01",
        "在册",
    ]
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows([header, example])
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    else:
        book = Workbook()
        book.active.append(header)
        book.active.append(example)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    response["Content-Disposition"] = f'attachment; filename="residents-template.{fmt}"'
    return response


urlpatterns = [
    path("import/", import_page, name="console-import"),
    path("import/template.<str:fmt>", import_template, name="console-import-template"),
]
