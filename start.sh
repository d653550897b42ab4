#!/usr/bin/env bash
# Set up (first run: .venv/ with only what the program needs) and start the program.
#   ./start.sh --demo          a demo commune with sample dossiers, in a throwaway database
#   ./start.sh                 your commune's database (first run asks for the commune's setup)
#   ./start.sh COMMAND ...     a command line without the window (./start.sh --help lists them);
#                              the same as .venv/bin/counter-app COMMAND ...
set -euo pipefail
cd "$(dirname "$0")"
COUNTER_EXTRAS="" source tools/ensure_venv.sh
.venv/bin/python tools/compile_translations.py  # Qt's texts in Vietnamese (.ts -> .qm)
exec .venv/bin/counter-app "$@"
