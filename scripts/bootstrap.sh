#!/usr/bin/env bash
# Creates .venv with the pinned requirements and node_modules with the front-end
# packages. Called by make; safe to run again (make skips it when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mError: %s\033[0m\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if ! is_root; then
    die "$1 is missing. Install it with: sudo apt-get install -y ${*:2}"
  fi
  say "Installing ${*:2} with apt"
  if [ ! -f /var/lib/apt/periodic/plc-updated ] ; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/plc-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${@:2}" >/dev/null
}

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

venv() {
  local python
  python=$(find_python) || { apt_install "Python 3.11 or newer" python3 python3-venv; python=$(find_python) || die "no Python 3.11+ found"; }
  if [ ! -x .venv/bin/python ]; then
    say "Creating .venv with $($python --version)"
    if ! "$python" -m venv .venv 2>/dev/null; then
      rm -rf .venv
      apt_install "Python's venv module" python3-venv
      "$python" -m venv .venv
    fi
  fi
  say "Installing the pinned Python packages"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  touch .venv/.requirements-installed
}

assets() {
  command -v npm >/dev/null 2>&1 || apt_install "npm (to fetch Bootstrap and htmx)" nodejs npm
  say "Installing the front-end packages (Bootstrap, htmx)"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.installed
}

case "${1:-all}" in
  venv) venv ;;
  assets) assets ;;
  all) venv; assets ;;
  *) die "usage: scripts/bootstrap.sh [venv|assets|all]" ;;
esac
