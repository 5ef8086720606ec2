"""Choose an OpenGL window class that works without a display, before VTK renders.

With no X display VTK's default X window cannot start; OSMesa (Debian libosmesa6)
renders in software anywhere, and EGL is VTK's own fallback when OSMesa is absent.
"""
from __future__ import annotations

import ctypes.util
import os
import sys


def prefer_headless_gl() -> None:
    if sys.platform != "linux" or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if "VTK_DEFAULT_OPENGL_WINDOW" in os.environ:
        return
    if ctypes.util.find_library("OSMesa"):
        os.environ["VTK_DEFAULT_OPENGL_WINDOW"] = "vtkOSOpenGLRenderWindow"
