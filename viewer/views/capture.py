"""The pixels of a render window as the reader sees them (overlays and labels included).

One grab for the headless renderer and the reading window: `QWidget.grab()` returns a VTK
area black (PLATFORM-NOTES), so both read VTK's back buffer after a render. Must run on the
thread that owns the window's OpenGL context (the GUI thread for the reading window)."""
from __future__ import annotations

import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkRenderingCore import vtkRenderWindow, vtkWindowToImageFilter

__all__ = ["grab_rgb"]


def grab_rgb(window: vtkRenderWindow) -> np.ndarray:
    """Render `window` and return its frame as an (height, width, 3) uint8 array, row 0 at the top."""
    window.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.SetInputBufferTypeToRGB()
    grab.ReadFrontBufferOff()
    grab.Update()
    img = grab.GetOutput()
    w, h, _ = img.GetDimensions()
    arr = numpy_support.vtk_to_numpy(img.GetPointData().GetScalars()).reshape(h, w, -1)
    return np.flipud(arr[:, :, :3]).copy()
