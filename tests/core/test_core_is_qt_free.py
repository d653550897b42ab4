"""The core never imports Qt or the desktop package (ARCHITECTURE: layout)."""

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "counter_app"
FORBIDDEN = ("PySide6", "ui", "shiboken6")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            names += [a.value for a in node.args if isinstance(a, ast.Constant)]
    return names


def test_no_core_module_imports_qt_or_ui():
    offenders = [f"{path.relative_to(CORE.parent)}: {name}"
                 for path in CORE.rglob("*.py") for name in imported_modules(path)
                 if name.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_the_check_catches_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport ui.app\n")
    assert [n for n in imported_modules(bad) if n.split(".")[0] in FORBIDDEN] == [
        "PySide6.QtCore", "ui.app"]


def test_importing_the_whole_core_loads_no_qt():
    code = ("import pkgutil, importlib, sys, counter_app\n"
            "for m in pkgutil.walk_packages(counter_app.__path__, 'counter_app.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(sorted(n for n in sys.modules if n.startswith(('PySide6', 'ui'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
