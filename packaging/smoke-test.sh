#!/usr/bin/env bash
# The installed package tested from its own files: build the bundle and the .deb, install it
# with dpkg on this machine, run tests/packaging/ against /usr/bin/yomi with a clean
# environment, remove and purge it (the last test checks nothing is left). Run as root on
# Debian 12. PYTHON (default .venv/bin/python) builds and drives the tests; OUT (default
# build/) receives the bundle, the .deb and build-linux.log.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${OUT:-$PWD/build}
mkdir -p "$OUT" tests/artifacts
log=$OUT/build-linux.log
if ! PYTHON="$PY" OUT="$OUT" bash packaging/build-linux.sh >"$log" 2>&1; then
  tail -40 "$log"
  echo "smoke: the build failed (log: $log)"
  exit 1
fi
grep '^build-linux:' "$log"
DEB=$(tail -1 "$log")
YOMI_DEB="$DEB" "$PY" -m pytest -p no:cacheprovider -q -ra tests/packaging/test_installed_deb.py
rc=$?
# a test that stopped half-way must not leave the package on the machine
if dpkg-query -W -f='${db:Status-Status}' yomi 2>/dev/null | grep -qv not-installed; then
  dpkg -P yomi >/dev/null || true
fi
exit "$rc"
