#!/usr/bin/env bash
# Build Yomi.app and a signed, notarised Yomi-<version>.dmg on macOS (recipe: not run in this
# project, which has no Mac). Needs Xcode command line tools, Python 3.11 in .venv with
# pip install -e ".[packaging]", a "Developer ID Application" certificate in the keychain
# (SIGN_ID) and a notarytool keychain profile (NOTARY_PROFILE, made once with
# `xcrun notarytool store-credentials`).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
VERSION=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')
PYTHONPATH=$PWD "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/work packaging/yomi.spec          # -> build/dist/Yomi.app
APP=build/dist/Yomi.app
if [ -n "${SIGN_ID:-}" ]; then
  # hardened runtime; inner code first (--deep is not enough for notarisation of nested dylibs)
  find "$APP/Contents" -type f \( -name '*.so' -o -name '*.dylib' \) -print0 |
    xargs -0 codesign --force --timestamp --options runtime --sign "$SIGN_ID"
  codesign --force --timestamp --options runtime --entitlements packaging/macos/entitlements.plist \
    --sign "$SIGN_ID" "$APP"
  codesign --verify --strict --deep "$APP"
fi
DMG=build/Yomi-$VERSION.dmg
rm -f "$DMG"
hdiutil create -volname "Yomi $VERSION" -srcfolder "$APP" -ov -format UDZO "$DMG"
if [ -n "${SIGN_ID:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
  codesign --force --timestamp --sign "$SIGN_ID" "$DMG"
  xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
  xcrun stapler staple "$DMG"
  spctl --assess --type open --context context:primary-signature -v "$DMG"
fi
echo "$DMG"
