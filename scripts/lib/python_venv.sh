# Sourced (after toolchain.sh): a Python venv with exact package versions, for the suites that
# drive Sesame from PyPI tools (conformance/run.sh: authlib; fuzz/schemathesis/run.sh:
# schemathesis). Debian's python3 makes the venv; python3-venv is installed when missing.

# ensure_python_venv DIR PACKAGE==VERSION...: DIR holds a venv with exactly those versions;
# creates the venv and runs pip only when something is missing or differs.
ensure_python_venv() {
  local venv=$1
  shift
  local python=/usr/bin/python3
  [ -x "$python" ] || python=$(command -v python3)
  if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv
    note "installed python3-venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    note "creating the Python venv $venv"
    "$python" -m venv "$venv"
  fi
  if "$venv/bin/python" - "$@" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
sys.exit(any(version(p.split("==")[0]) != p.split("==")[1] for p in sys.argv[1:]))
PY
    note "Python packages present: $*"
  else
    note "pip install $*"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
}
