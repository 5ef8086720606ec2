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
[ "$rc" -eq 0 ] || exit "$rc"

# Once more, the Qt-free packages' tests in a venv without PySide6 and VTK: they must not
# need either (DESIGN.md). The report tests that print or sign a PDF use Qt and stay out.
bash tests/qt_free_venv.sh || { echo "tests: the Qt-free venv could not be set up"; exit 1; }
echo "tests: Qt-free run (no PySide6, no VTK installed)"
env -u DISPLAY .venv-qtfree/bin/python -m pytest -p no:cacheprovider -q -ra \
  tests/common tests/reading tests/worklist tests/infra tests/viewer tests/report tests/keymap tests/test_gui_http_guard.py \
  --ignore=tests/report/test_signing.py --ignore=tests/report/test_pdf_text.py \
  --ignore=tests/report/test_export_command.py
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "tests: the Qt-free run collected no tests (exit 5)"
  rc=0
fi
[ "$rc" -eq 0 ] || exit "$rc"

# The installed .deb, from its files alone (packaging/smoke-test.sh: build, dpkg -i, test,
# dpkg -P; 3.5 minutes on an idle machine, some 20 on a shared one). Run when what goes into
# the package changed in the last commit (or the history cannot tell, or YOMI_SMOKE=1): the
# bundle takes the project's code by package and resources/ by glob, so other changes reach
# it without a change to the recipe, and most commits need not pay for a build and a dpkg -i.
if [ -n "${YOMI_SMOKE:-}" ] || ! git diff --quiet HEAD~1 -- packaging/ pyproject.toml tests/packaging/ \
     ':(exclude)packaging/centre' 2>/dev/null; then
  echo "tests: packaging smoke test (the installed .deb)"
  bash packaging/smoke-test.sh || exit 1
else
  echo "tests: packaging unchanged since HEAD~1: smoke test not run (YOMI_SMOKE=1 forces it)"
fi
exit 0
