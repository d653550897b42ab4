#!/usr/bin/env bash
# Set up (first run: a Python virtualenv with the pinned dependencies) and start the program.
#   ./start.sh --demo     a demo commune with sample dossiers, in a throwaway database
#   ./start.sh            your commune's database (first run asks for the commune's setup)
#   ./start.sh --db FILE  a given database file; any subcommand runs headless (see --help)
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/counter-app ] || [ pyproject.toml -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,build]"
  touch .venv/.installed
fi
exec .venv/bin/counter-app "$@"
