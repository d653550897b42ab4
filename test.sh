#!/usr/bin/env bash
# Run every check: lint (including the rule that counter_app/ never imports Qt or ui/),
# then the whole test suite headless (QT_QPA_PLATFORM=offscreen), the installer build included.
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure_venv.sh
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
.venv/bin/ruff check counter_app ui tests build_installer.spec
exec .venv/bin/python -m pytest "$@"
