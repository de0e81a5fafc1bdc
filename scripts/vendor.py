#!/usr/bin/env python3
"""Fetch the pinned front-end files from the npm registry into jifen/static/vendor/,
with their licences and a manifest (package, version, file, sha256). Run by hand when a
version changes; the result is committed, so nothing is fetched at run time."""

import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "jifen" / "static" / "vendor"
# package, version, files to copy (path inside the package → name under vendor/<folder>/)
PACKAGES = [
    ("htmx.org", "2.0.4", "htmx", {"dist/htmx.min.js": "htmx.min.js", "LICENSE": "LICENSE"}),
    (
        "@picocss/pico",
        "2.1.1",
        "pico",
        {"css/pico.min.css": "pico.min.css", "LICENSE.md": "LICENSE.md"},
    ),
    (
        "echarts",
        "6.0.0",
        "echarts",
        {"dist/echarts.min.js": "echarts.min.js", "LICENSE": "LICENSE"},
    ),
    # QR decoding for the camera scanner (static/jifen/scanner.js); the package ships no
    # minified build, so its one dist file is copied as it is.
    ("jsqr", "1.4.0", "jsqr", {"dist/jsQR.js": "jsQR.js", "LICENSE": "LICENSE"}),
]


def fetch(package: str, version: str, folder: str, files: dict[str, str]) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", f"{package}@{version}", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        archive = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        target = VENDOR / folder
        target.mkdir(parents=True, exist_ok=True)
        entries = []
        for source, name in files.items():
            data = (Path(tmp) / "package" / source).read_bytes()
            (target / name).write_bytes(data)
            entries.append(
                {
                    "package": package,
                    "version": version,
                    "file": f"{folder}/{name}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
        return entries


def main() -> None:
    manifest = [e for p in PACKAGES for e in fetch(*p)]
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{len(manifest)} files in {VENDOR}")


if __name__ == "__main__":
    main()
