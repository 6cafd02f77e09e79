#!/usr/bin/env bash
# Set up geosozial in ./.venv on a Debian 12 machine (root or sudo).
#   bash scripts/setup.sh          the package and its command `geosozial`
#   bash scripts/setup.sh --test   also the test tools (pytest, ruff, reference
#                                  implementations, Playwright), Debian's Chromium and
#                                  Debian's QGIS (python3-qgis, qgis-providers,
#                                  python3-scipy, python3-pytest; qgis for
#                                  qgis_process) for the plugin tests, and Debian's
#                                  PostgreSQL with PostGIS (postgresql,
#                                  postgresql-15-postgis-3) for the store tests
#                                  (scripts/postgis.sh starts a throwaway server),
#                                  npm's axe-core (./node_modules) and poppler-utils
# Installs the Debian packages it needs (python3, python3-venv; the test packages with
# --test) if they are missing. Playwright drives /usr/bin/chromium; `playwright install`
# (a download) is never run. The plugin tests run with Debian's /usr/bin/python3 and
# only Debian packages, as a QGIS user has them.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
for arg in "$@"; do
  case "$arg" in
    --test) extras="[test]" ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

apt_packages=()
command -v python3 >/dev/null 2>&1 || apt_packages+=(python3)
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then apt_packages+=(python3-venv); fi
if [ -n "$extras" ]; then
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
  if ! /usr/bin/python3 -c 'import qgis.core, scipy, pytest' >/dev/null 2>&1 \
      || [ ! -x /usr/bin/qgis_process.bin ]; then
    apt_packages+=(python3-qgis qgis-providers python3-scipy python3-pytest qgis)
  fi
  command -v npm >/dev/null 2>&1 || apt_packages+=(npm)  # axe-core for the a11y tests
  command -v pdftoppm >/dev/null 2>&1 || apt_packages+=(poppler-utils)  # PDF page checks
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_packages+=(postgresql); fi
  if [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
    apt_packages+=(postgresql-15-postgis-3)
  fi
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${apt_packages[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
if [ -n "$extras" ] && [ ! -f node_modules/axe-core/axe.min.js ]; then
  # axe-core (npm registry) into ./node_modules, injected into pages by the browser tests
  npm install --no-save --no-audit --no-fund --loglevel=error axe-core@4
fi
echo "geosozial installed in .venv (run .venv/bin/geosozial --help)"
