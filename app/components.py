"""What this installation of Yomi is: its version and, for IT and support, the libraries,
DICOM decoders and CJK font it carries (`yomi --version`, `yomi --version -v`).

The version is the project's (pyproject.toml): the installed bundle carries it in a VERSION
file written at build time (packaging/yomi.spec); a source checkout reads pyproject.toml
itself; an installed wheel asks its metadata. No Qt here.
"""
from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["Components", "version", "components", "DISTRIBUTION"]

DISTRIBUTION = "yomi-station"
_ROOT = Path(__file__).resolve().parents[1]


def bundle_root() -> Path | None:
    """The folder of the PyInstaller bundle when running from one, else None."""
    root = getattr(sys, "_MEIPASS", None)
    return Path(root) if root else None


def version() -> str:
    bundle = bundle_root()
    if bundle is not None and (bundle / "VERSION").is_file():
        return (bundle / "VERSION").read_text(encoding="utf-8").strip()
    pyproject = _ROOT / "pyproject.toml"
    if pyproject.is_file():
        with pyproject.open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    return metadata.version(DISTRIBUTION)


@dataclass(frozen=True)
class Components:
    version: str
    frozen: bool                                  # running from the installed bundle
    python: str
    libraries: dict[str, str]                     # distribution -> version ("" if absent)
    decoders: dict[str, tuple[str, ...]]          # compressed transfer syntax name -> plugins that load
    cjk_font: str | None


_LIBRARIES = ("PySide6-Essentials", "vtk", "pydicom", "numpy", "pylibjpeg", "pylibjpeg-openjpeg",
              "pylibjpeg-libjpeg", "python-gdcm", "highdicom", "pyhanko", "cryptography")


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def decoders() -> dict[str, tuple[str, ...]]:
    """For each compressed transfer syntax pydicom knows, the pixel-data plugins that load here."""
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.uid import JPEG2000TransferSyntaxes, JPEGLSTransferSyntaxes, JPEGTransferSyntaxes, RLETransferSyntaxes

    out = {}
    for uid in (*JPEGTransferSyntaxes, *JPEGLSTransferSyntaxes, *JPEG2000TransferSyntaxes, *RLETransferSyntaxes):
        try:
            out[f"{uid} {uid.name}"] = tuple(sorted(get_decoder(uid).available_plugins))
        except NotImplementedError:  # pydicom has no decoder for it at all
            out[f"{uid} {uid.name}"] = ()
    return out


def components() -> Components:
    """Everything `yomi --version -v` reports; imports pydicom's decoders (a fraction of a second)."""
    from viewer.views.fonts import cjk_font_file

    return Components(version=version(), frozen=bundle_root() is not None, python=sys.version.split()[0],
                      libraries={n: _dist_version(n) for n in _LIBRARIES}, decoders=decoders(),
                      cjk_font=cjk_font_file())
