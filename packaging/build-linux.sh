#!/usr/bin/env bash
# Build Yomi's one-folder bundle (PyInstaller, packaging/yomi.spec) and wrap it as a Debian
# package: build/yomi_<version>_<arch>.deb (version from pyproject.toml).
#
#   bash packaging/build-linux.sh              # with .venv/bin/python (pip install -e ".[packaging]")
#   PYTHON=/path/to/python OUT=/tmp/b bash packaging/build-linux.sh
#
# Prints the .deb path on its last line. Needs dpkg-deb (dpkg) and the CJK font of
# fonts-noto-cjk on the build machine (packaging/setup-debian.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
OUT=${OUT:-$ROOT/build}
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)

"$PY" -c 'import PyInstaller' 2>/dev/null || "$PY" -m pip install -q -e ".[packaging]"
start=$(date +%s)
# The project root on sys.path, whatever PYTHONPATH the caller had: the bundle is built from this tree.
PYTHONPATH=$ROOT "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$OUT/dist" --workpath "$OUT/work" packaging/yomi.spec
# Debug symbols are a third of VTK (libvtkCommonCore.so: 94 -> 61 MB). VTK's own libraries
# only: those auditwheel patched (numpy's OpenBLAS) no longer load once stripped.
find "$OUT/dist/yomi/_internal/vtkmodules" -name 'libvtk*.so*' -type f -exec strip --strip-unneeded {} +
echo "build-linux: bundle $OUT/dist/yomi built in $(( $(date +%s) - start )) s ($(du -sm "$OUT/dist/yomi" | cut -f1) MB)"

STAGE=$OUT/deb-root
rm -rf "$STAGE"
install -d "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps" "$STAGE/usr/share/doc/yomi" "$STAGE/etc/yomi"
cp -a "$OUT/dist/yomi" "$STAGE/opt/yomi"
ln -s /opt/yomi/yomi "$STAGE/usr/bin/yomi"
install -m 0644 packaging/linux/yomi.desktop "$STAGE/usr/share/applications/yomi.desktop"
install -m 0644 packaging/linux/yomi.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/yomi.svg"
install -m 0644 packaging/linux/site.toml "$STAGE/etc/yomi/site.toml"
install -m 0644 packaging/README.md "$STAGE/usr/share/doc/yomi/README.md"
install -m 0755 packaging/linux/debian/postinst packaging/linux/debian/postrm "$STAGE/DEBIAN/"
echo /etc/yomi/site.toml > "$STAGE/DEBIAN/conffiles"
# What the bundle takes from the system: X11/xcb for Qt's window, Mesa for VTK (GL, EGL,
# OSMesa for headless `yomi render`), fontconfig, D-Bus; everything else is inside /opt/yomi.
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: yomi
Version: $VERSION
Architecture: $ARCH
Maintainer: Yomi packaging <it@yomi.invalid>
Section: science
Priority: optional
Installed-Size: $(du -sk "$STAGE" | cut -f1)
Depends: libc6 (>= 2.36), libxcb-cursor0, libxkbcommon-x11-0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0,
 libxcb-render-util0, libxcb-xinerama0, libxcb-shape0, libxcb-randr0, libxrender1, libxi6, libsm6, libice6,
 libgl1, libegl1, libglx-mesa0, libosmesa6, libfontconfig1, libdbus-1-3, libglib2.0-0
Recommends: ca-certificates, xdg-utils
Homepage: https://yomi.invalid/
Description: Yomi teleradiology reading station
 Reads the CT studies a reading centre assigns (DICOMweb, UPS-RS), with MPR, measurements
 and signed structured reports. Qt, VTK and the DICOM decoders are bundled under /opt/yomi;
 the site configuration is /etc/yomi/site.toml (IT's).
CONTROL
DEB=$OUT/yomi_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group -Zzstd -z9 --build "$STAGE" "$DEB" >/dev/null
echo "build-linux: $(du -sm "$DEB" | cut -f1) MB, $(( $(date +%s) - start )) s in all"
echo "$DEB"
