#!/usr/bin/env bash
# Run every check: lint, the import contracts (the layering of README "Layout": the core
# never imports Qt or ui/, no import circles...), then the whole test suite headless
# (QT_QPA_PLATFORM=offscreen), the installer build included.
set -euo pipefail
cd "$(dirname "$0")"
COUNTER_EXTRAS="test,build,server" source tools/ensure_venv.sh
.venv/bin/python tools/compile_translations.py  # Qt's texts in Vietnamese (.ts -> .qm)
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
.venv/bin/ruff check counter_app ui tests build_installer.spec
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest "$@"
