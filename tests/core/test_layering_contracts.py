"""The layering (README "Layout") is kept by import-linter's contracts in pyproject.toml,
which ./test.sh runs. These tests prove the contracts are live (a copy of the tree with one
forbidden import breaks them), and check at run time what a static check cannot see."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config",
                           str(tree / "pyproject.toml")], cwd=tree, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                          timeout=300)


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for name in ("counter_app", "ui"):
        shutil.copytree(ROOT / name, tree / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tree)
    return tree


def _with_line(tree: Path, module: str, line: str):
    path = tree / module
    original = path.read_text(encoding="utf-8")
    path.write_text(original + "\n" + line + "\n", encoding="utf-8")
    return lambda: path.write_text(original, encoding="utf-8")


def test_the_project_keeps_its_contracts(tree_copy):
    done = lint_imports(tree_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("counter_app/domain/text.py", "import PySide6.QtCore", "never imports Qt"),
    ("counter_app/printing/fonts.py", "from ui.app import run_gui", "never imports Qt"),
    ("counter_app/domain/statuses.py", "from counter_app.store import ids",
     "layered"),
    ("counter_app/store/ids.py", "from counter_app.service import counter", "no service"),
    ("counter_app/server/clock.py", "from counter_app.sync import transport",
     "sync client"),
    ("counter_app/backups/files.py", "from counter_app.backups import restoring",
     "No import circles"),
    ("ui/common/vn_format.py", "from ui.lists import dossier_table", "import no screen"),
])
def test_a_forbidden_import_breaks_a_contract(tree_copy, module, line, broken):
    restore = _with_line(tree_copy, module, line)
    try:
        done = lint_imports(tree_copy)
    finally:
        restore()
    assert done.returncode != 0
    broken_lines = [ln for ln in done.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(broken in ln for ln in broken_lines), done.stdout


def test_importing_the_whole_core_loads_no_qt():
    """What a static check cannot see: an import made by name at run time."""
    code = ("import pkgutil, importlib, sys, counter_app\n"
            "for m in pkgutil.walk_packages(counter_app.__path__, 'counter_app.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(sorted(n for n in sys.modules if n.startswith(('PySide6', 'ui'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
