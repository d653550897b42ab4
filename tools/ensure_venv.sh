# Sourced by start.sh and test.sh: make .venv/ hold the pinned dependencies, a line per step.
#   COUNTER_EXTRAS=""                   start.sh: only what the program needs to run
#   COUNTER_EXTRAS="test,build,server"  test.sh: also the test tools, the installer build and
#                                       the server
# It installs again when pyproject.toml is newer than the last install, or when an extra
# asked for is not installed yet. Extras installed before are kept (start.sh after test.sh
# installs nothing and removes nothing).
_want="${COUNTER_EXTRAS:-}"
_stamp=.venv/.installed
_fresh=0
if [ ! -x .venv/bin/python ] || [ ! -f "$_stamp" ] || [ pyproject.toml -nt "$_stamp" ]; then
  _fresh=1
fi
_have="$( [ -f "$_stamp" ] && cat "$_stamp" || true)"
_all="$_have"
for _extra in ${_want//,/ }; do
  case ",$_all," in
    *",$_extra,"*) ;;
    *) _all="${_all:+$_all,}$_extra"; _fresh=1 ;;
  esac
done
if [ "$_fresh" = 1 ]; then
  if [ ! -x .venv/bin/python ]; then
    echo "==> [1/3] Creating the Python environment .venv/ ($(python3 --version 2>&1))"
    python3 -m venv .venv
  else
    echo "==> [1/3] Using the Python environment .venv/"
  fi
  echo "==> [2/3] Updating pip"
  .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip
  if [ -n "$_all" ]; then _target=".[$_all]"; else _target="."; fi
  echo "==> [3/3] Installing counter-app with its pinned dependencies" \
       "(${_all:-only what the program needs}); the first time takes a few minutes"
  .venv/bin/python -m pip install --disable-pip-version-check -e "$_target"
  printf '%s\n' "$_all" > "$_stamp"
  echo "==> Ready: .venv/ is $(du -sh .venv | cut -f1); the commands are in .venv/bin/"
fi
unset _want _stamp _fresh _have _all _extra _target
