#!/usr/bin/env bash
# A second venv, .venv-qtfree, with Yomi and every dependency (test tools included) except
# PySide6, VTK and pytest-qt: the Qt-free packages' tests run in it once per CI run, which
# proves they need neither.
# Idempotent; the pip cache makes a rerun quick.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv-qtfree/bin/python ] || "$PY" -m venv .venv-qtfree
.venv-qtfree/bin/python -m pip install -q --upgrade pip
deps=$(.venv-qtfree/bin/python - <<'PYEOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    project = tomllib.load(f)["project"]
skip = ("pyside6", "vtk", "pytest-qt")
wanted = project["dependencies"] + project["optional-dependencies"]["test"]
print("\n".join(d.split("#")[0].strip() for d in wanted if not d.lower().startswith(skip)))
PYEOF
)
# shellcheck disable=SC2086
.venv-qtfree/bin/python -m pip install -q $deps
.venv-qtfree/bin/python -m pip install -q --no-deps -e .
if .venv-qtfree/bin/python -c "import PySide6" 2>/dev/null || .venv-qtfree/bin/python -c "import vtk" 2>/dev/null; then
  echo "qt-free venv: PySide6 or VTK got installed after all"; exit 1
fi
