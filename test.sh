#!/usr/bin/env bash
# Run every check: lint (including the rule that counter_app/ never imports Qt or ui/),
# then the whole test suite headless (QT_QPA_PLATFORM=offscreen), the installer build included.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/pytest ] || [ pyproject.toml -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,build]"
  touch .venv/.installed
fi
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
.venv/bin/ruff check counter_app ui tests build_installer.spec
exec .venv/bin/python -m pytest "$@"
