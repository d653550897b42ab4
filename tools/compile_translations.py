"""Compile resources/i18n/*.ts to .qm with PySide6's lrelease (./start.sh, ./test.sh and the
installer build run it; the .qm files are build output, not kept in the repository)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FOLDER = Path(__file__).resolve().parents[1] / "resources" / "i18n"


def lrelease() -> str:
    here = Path(sys.executable).parent
    for name in ("pyside6-lrelease", "pyside6-lrelease.exe"):
        if (here / name).exists():
            return str(here / name)
    return "pyside6-lrelease"


def main() -> int:
    for ts in sorted(FOLDER.glob("*.ts")):
        qm = ts.with_suffix(".qm")
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            continue
        result = subprocess.run([lrelease(), str(ts), "-qm", str(qm)], capture_output=True,
                                text=True)
        if result.returncode != 0:
            print(f"cannot compile {ts.name}: {result.stderr.strip()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
