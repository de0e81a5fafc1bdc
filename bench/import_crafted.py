"""Peak memory of reading crafted spreadsheets (jifen.testing.CRAFTED_FILES: a huge declared
dimension, a million empty rows, a shared-strings bomb, a zip bomb, entity expansion, …), each
in a fresh process, beside two ceilings measured in the same run: the process that reads
nothing (Python, Django and openpyxl loaded) and the largest legitimate file, 50,000
residents in 15 columns, as XLSX and as CSV.

    .venv/bin/python bench/import_crafted.py [--only NAME]

Each file is read and checked as an import does before it touches the database
(import_parse.read_table, then check_rows). Peak memory is the child's maximum resident set
size (VmHWM); the child prints it with its verdict.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JIFEN_DATA_DIR", tempfile.mkdtemp(prefix="jifen-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"

import django  # noqa: E402

django.setup()

from openpyxl import Workbook  # noqa: E402

from jifen.testing import CRAFTED_FILES  # noqa: E402

LEGIT_ROWS = 50_000
HEADER = ["社区", "楼栋", "单元", "房号", "姓名", "手机号", "出生年份", "户主", "老人", "儿童"]
HEADER += ["新居民", "兴趣", "入住日期", "状态", "地址"]


def legit_rows() -> list[list[str]]:
    """50,000 distinct residents, three to a household."""
    return [
        [
            "东区" if n % 2 else "西区",
            str(n // 600 + 1),
            str(n // 60 % 10 + 1),
            str(n // 3 % 20 + 101),
            f"居民{n:05d}",
            f"139{n:08d}",
            str(1940 + n % 70),
            "是" if n % 3 == 0 else "否",
            "是" if n % 7 == 0 else "否",
            "否",
            "否",
            "读书、助老",
            "2024-05-01",
            "在册",
            "",
        ]
        for n in range(LEGIT_ROWS)
    ]


def legit_xlsx() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in legit_rows():
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def legit_csv() -> bytes:
    return "\n".join(",".join(r) for r in [HEADER, *legit_rows()]).encode("utf-8-sig")


FILES = {
    "nothing read (the process alone)": ("none.csv", lambda: b""),
    f"legitimate: {LEGIT_ROWS:,} residents, XLSX": ("residents.xlsx", legit_xlsx),
    f"legitimate: {LEGIT_ROWS:,} residents, CSV": ("residents.csv", legit_csv),
    **CRAFTED_FILES,
}


def child(path: str) -> None:
    """Read and check one file; print the verdict, the time and the peak memory as JSON."""
    from jifen.programmes.import_parse import FileUnreadable, check_rows, read_table

    data = Path(path).read_bytes()
    started = time.perf_counter()
    verdict = "nothing read"
    if data:
        try:
            rows, errors = check_rows(read_table(path, data))
            verdict = f"read: {len(rows)} rows, {len(errors)} problems"
        except FileUnreadable as refusal:
            verdict = f"refused: {refusal}"
    seconds = time.perf_counter() - started
    print(json.dumps({"verdict": verdict, "seconds": seconds, "peak_mb": peak_mb()}))


def peak_mb() -> float:
    """The process's peak resident set. Linux's VmHWM belongs to the program being run;
    getrusage's maximum would start from the parent's size at the fork."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def measure(name: str, filename: str, data: bytes) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / filename
        path.write_bytes(data)
        env = {**os.environ, "LANGUAGE_CODE": "en"}
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--only")
    args = parser.parse_args()
    if args.child:
        from django.utils import translation

        with translation.override("en"):
            child(args.child)
        return
    print(f"{'file':45} {'size':>9} {'peak RSS':>9} {'time':>7}  verdict")
    for name, (filename, build) in FILES.items():
        if args.only and args.only not in name:
            continue
        data = build()
        figures = measure(name, filename, data)
        print(
            f"{name:45} {len(data) / 1e6:7.2f}MB {figures['peak_mb']:7.0f}MB "
            f"{figures['seconds']:6.1f}s  {figures['verdict']}"
        )


if __name__ == "__main__":
    main()
