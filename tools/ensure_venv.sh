# Sourced by start.sh and test.sh: create .venv with the pinned dependencies when it is
# missing or older than pyproject.toml.
if [ ! -x .venv/bin/pytest ] || [ pyproject.toml -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,build,server]"
  touch .venv/.installed
fi
