"""The zh-hans and fr catalogues are complete: every string the code and templates mark for
translation is translated, none is fuzzy, and every placeholder survives. The strings are
extracted afresh from a copy of the tree, so a new string without its translation fails."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jifen

ROOT = Path(jifen.__file__).parent.parent
LANGUAGES = ("zh_Hans", "fr")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("msgattrib") is None:
        pytest.fail("gettext is missing (msgattrib): make test installs it")
    copy = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.mo", "tests")
    shutil.copytree(ROOT / "jifen", copy / "jifen", ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "-v", "0"]
    command += [arg for language in LANGUAGES for arg in ("-l", language)]
    subprocess.run(command, cwd=copy, check=True, capture_output=True)
    return copy


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(extracted, language):
    catalogue = extracted / "jifen" / "locale" / language / "LC_MESSAGES" / "django.po"
    untranslated = _entries("--untranslated", catalogue)
    fuzzy = _entries("--only-fuzzy", catalogue)
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalogue_keeps_every_placeholder(language):
    catalogue = ROOT / "jifen" / "locale" / language / "LC_MESSAGES" / "django.po"
    checked = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(catalogue)], capture_output=True
    )
    assert checked.returncode == 0, checked.stderr.decode()


def _entries(flag: str, catalogue: Path) -> list[str]:
    listed = subprocess.run(
        ["msgattrib", flag, "--no-wrap", str(catalogue)], check=True, capture_output=True
    ).stdout.decode()
    ids = [line for line in listed.splitlines() if line.startswith("msgid ")]
    return [line for line in ids if line != 'msgid ""']
