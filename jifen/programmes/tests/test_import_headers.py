"""A refused header names the missing columns as the import accepts them in the page's
language: 社区, 姓名 on a Chinese page, community, name elsewhere."""

import pytest
from django.utils import translation

from jifen.programmes.import_parse import FileUnreadable, header_name, read_table


@pytest.mark.parametrize(
    ("language", "columns"),
    [("zh-hans", "社区, 姓名"), ("en", "community, name"), ("fr", "community, name")],
)
def test_the_missing_columns_are_named_in_the_page_language(language, columns):
    with translation.override(language), pytest.raises(FileUnreadable) as refusal:
        read_table("residents.csv", b"phone\n13800138000\n")
    with translation.override(language):
        expected = translation.gettext("The header row lacks the column(s): %(columns)s.")
    assert str(refusal.value) == expected % {"columns": columns}


def test_every_name_shown_is_one_the_import_accepts():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            header = "phone," + ",".join(header_name(c) for c in ("community", "name"))
        table = read_table("residents.csv", f"{header}\n13800138000,东区,王秀英\n".encode())
        assert table == [(2, {"phone": "13800138000", "community": "东区", "name": "王秀英"})]
