"""Build the bundle from build_installer.spec and run the frozen programs.

Slow (a PyInstaller build, ~30 s): run with `pytest tests/packaging -m slow -s`.
On Linux this proves the spec (hidden imports, resources, fonts, catalogue, holidays locale,
QtPdf); the Windows bundle must still be built and checked on Windows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "build_installer.spec"
APP = "counter-app"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
#: 250 MB until the printer got text and vectors: pdfminer.six reads the forms back for it,
#: and brings cryptography (15 MB, imported at module level for encrypted PDFs). 275 MB
#: measured with digitising (pikepdf with its qpdf library and lxml, img2pdf): 290.
MAX_BUNDLE_MB = 290


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed (pip install .[build])")
    work = tmp_path_factory.mktemp("pyinstaller")
    dist, build = work / "dist", work / "build"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(build), str(SPEC)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", errors="replace",
        timeout=900,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout}\n{result.stderr}"
    folder = dist / APP
    print(f"\n[packaging] PyInstaller build: {elapsed:.1f} s -> {folder}")
    return folder


@pytest.fixture
def run_env(tmp_path) -> dict[str, str]:
    """A clean environment: offscreen Qt, a throwaway home and data folder."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "QT_", "COUNTER_APP_"))}
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "LOCALAPPDATA": str(home / "AppData" / "Local"),
        "APPDATA": str(home / "AppData" / "Roaming"),
        "USERPROFILE": str(home),
    })
    return env


def _run(exe: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run([str(exe), *args], env=env, capture_output=True, timeout=180)
    result.stdout = result.stdout.decode("utf-8", errors="replace")
    result.stderr = result.stderr.decode("utf-8", errors="replace")
    return result


def test_bundle_layout_and_size(bundle):
    for name in (APP, f"{APP}-console"):
        assert (bundle / f"{name}{EXE_SUFFIX}").is_file(), f"{name} missing from {bundle}"
    internal = bundle / "_internal"
    assert (internal / "resources" / "catalogue" / "procedures.json").is_file()
    assert list((internal / "resources" / "fonts").glob("*.ttf")), "fonts not bundled"
    assert (internal / "holidays" / "locale" / "vi" / "LC_MESSAGES" / "VN.mo").is_file()
    size_mb = _folder_size(bundle) / 1e6
    print(f"\n[packaging] bundle size: {size_mb:.1f} MB ({bundle})")
    assert size_mb < MAX_BUNDLE_MB, f"bundle is {size_mb:.0f} MB, over {MAX_BUNDLE_MB} MB"


def test_console_self_check(bundle, run_env):
    started = time.perf_counter()
    result = _run(bundle / f"{APP}-console{EXE_SUFFIX}", ["--self-check"], run_env)
    print(f"\n[packaging] console self-check: {time.perf_counter() - started:.2f} s: "
          f"{result.stdout.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-check OK" in result.stdout, result.stdout + result.stderr


def test_windowed_self_check_exits_zero(bundle, run_env):
    """The windowed program (no console on Windows) must not crash when it prints."""
    result = _run(bundle / f"{APP}{EXE_SUFFIX}", ["--self-check"], run_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_headless_commands_with_bundled_catalogue_and_fonts(bundle, run_env, tmp_path):
    exe = bundle / f"{APP}-console{EXE_SUFFIX}"
    db = tmp_path / "x.db"

    def ok(*args: str) -> str:
        result = _run(exe, ["--db", str(db), *args], run_env)
        assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
        return result.stdout

    ok("init", "--agency-code", "000.17.22.H56", "--agency-name", "UBND xã Thử")
    # the first account (argon2id in the frozen program), then every command signed in as it
    run_env["COUNTER_APP_NEW_PASSWORD"] = "mat-khau-thu-1"
    ok("user", "add", "huong", "--name", "Lê Thị Hương", "--role", "admin,reception")
    del run_env["COUNTER_APP_NEW_PASSWORD"]
    run_env.update(COUNTER_APP_USER="huong", COUNTER_APP_PASSWORD="mat-khau-thu-1")

    found = json.loads(ok("procedures", "--search", "ket hon", "--json"))
    assert "Đăng ký kết hôn" in [p["name"] for p in found]

    dossier = json.loads(ok("receive", "--procedure", "1.001193", "--name", "Nguyễn Văn A",
                            "--id-number", "038090012345", "--json"))
    assert dossier["applicant"]["name"] == "Nguyễn Văn A"
    assert dossier["procedure"]["code"] == "1.001193"

    slip = tmp_path / "s.pdf"
    ok("slip", dossier["code"], "--out", str(slip))
    pdf = slip.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"LiberationSerif" in pdf, "the slip does not embed the bundled Liberation Serif font"

    # The later forms (the control slip, in the 2025 family: its wording is a bundled
    # resource), the register as Excel, and `generate` (a spawned writer process,
    # which the frozen program must run through multiprocessing.freeze_support()).
    ok("handover", dossier["code"], "--to", "Công chức Tư pháp")
    ok("print", dossier["code"], "--form", "06", "--out", str(tmp_path / "m06.pdf"))
    assert (tmp_path / "m06.pdf").read_bytes().startswith(b"%PDF")
    day = dossier["received_at"][:10]
    ok("register", "--from", day, "--to", day, "--out", str(tmp_path / "so.xlsx"))
    assert (tmp_path / "so.xlsx").read_bytes().startswith(b"PK")
    assert json.loads(ok("audit", "verify", "--json"))["ok"] is True
    big = tmp_path / "big.db"
    result = _run(exe, ["--db", str(big), "generate", "--dossiers", "200", "--json"], run_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["dossiers"] == 200


def test_the_server_stays_out_of_the_desk_bundle_and_sync_is_in(bundle, run_env, tmp_path):
    toc = next((bundle.parent.parent / "build").rglob("PYZ-00.toc")).read_text("utf-8")
    for module in ("counter_app.server", "starlette", "uvicorn", "sqlalchemy", "alembic",
                   "psycopg"):
        assert f"'{module}'" not in toc and f"'{module}." not in toc, f"{module} is bundled"
    assert "'counter_app.sync.sync_round'" in toc and "'httpx'" in toc
    console = bundle / f"{APP}-console{EXE_SUFFIX}"
    made = _run(console, ["--db", str(tmp_path / "d.db"), "init", "--agency-code",
                          "000.17.22.H56", "--agency-name", "UBND xã Thử"], run_env)
    assert made.returncode == 0, made.stdout + made.stderr
    result = _run(console, ["--db", str(tmp_path / "d.db"), "sync-status", "--json"], run_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["enrolled"] is False
