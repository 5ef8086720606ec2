#!/usr/bin/env bash
# Set up Yomi on a fresh Debian 12 / Ubuntu machine: system libraries, then a venv in .venv
# with the project installed (editable) and its test tools. Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Qt's xcb plugin and VTK's OpenGL need these (see shared/PLATFORM-NOTES.md); the rest
# are the real servers and tools the tests talk to (Orthanc + DICOMweb, nginx for TLS,
# dcmtk/dicom3tools/poppler to check what we write) and the CJK font for Japanese names.
PKGS="python3 python3-venv python3-pip
  xvfb xauth libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-xinerama0 libxcb-shape0 libxcb-randr0 libgl1 libegl1 libglx-mesa0
  libosmesa6 libfontconfig1 libdbus-1-3 libxrender1 libxi6 libxtst6 libsm6 libice6 libglib2.0-0
  fonts-noto-cjk
  orthanc orthanc-dicomweb orthanc-python nginx-light dcmtk dicom3tools poppler-utils
  softhsm2 opensc zbar-tools util-linux rsyslog rsyslog-gnutls libxml2-utils
  binutils"   # binutils: strip, for packaging/build-linux.sh (dpkg-deb comes with dpkg)

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Orthanc's package starts a system service; Yomi's tests start their own instances.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet orthanc 2>/dev/null; then
  $SUDO systemctl stop orthanc || true
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
.venv/bin/python resources/translations/build.py >/dev/null  # the Japanese interface catalogue: yomi_ja.ts -> .qm
echo "setup: done ($(.venv/bin/python --version), yomi at .venv/bin/yomi)"
