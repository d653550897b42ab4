#!/usr/bin/env bash
# Set up (first run: a Python virtualenv with the pinned dependencies) and start the program.
#   ./start.sh --demo     a demo commune with sample dossiers, in a throwaway database
#   ./start.sh            your commune's database (first run asks for the commune's setup)
#   ./start.sh --db FILE  a given database file; any subcommand runs headless (see --help)
set -euo pipefail
cd "$(dirname "$0")"
source tools/ensure_venv.sh
exec .venv/bin/counter-app "$@"
