#!/usr/bin/env bash
# The test command: set up (idempotent), then the import contracts, then pytest on a
# virtual X screen (VTK in Qt needs a real X server: shared/PLATFORM-NOTES.md).
set -uo pipefail
cd "$(dirname "$0")/.."
bash packaging/setup-debian.sh || { echo "tests: setup failed"; exit 1; }

.venv/bin/lint-imports --no-cache || { echo "tests: dependency direction broken (pyproject [tool.importlinter])"; exit 1; }

mkdir -p tests/artifacts
xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python -m pytest -p no:cacheprovider -q -ra "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  # pytest's "no tests collected": nothing ran, so nothing failed; say it loudly.
  echo "tests: pytest collected no tests (exit 5)"
  rc=0
fi
exit "$rc"
