"""Headless rendering of a view to PNG through the same SliceView the reading window uses."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingCore import vtkRenderer, vtkRenderWindow, vtkWindowToImageFilter

from viewer.views.capture import grab_rgb
from viewer.views.slice_view import SliceView

if TYPE_CHECKING:
    from viewer.volume import Volume


class OffscreenView:
    """A SliceView in an off-screen render window of `size` x `size` pixels."""

    def __init__(self, volume: "Volume", plane: str = "axial", size: int = 512) -> None:
        self.window = vtkRenderWindow()
        self.window.SetOffScreenRendering(1)
        self.window.SetMultiSamples(0)   # as the reading window's views (qt_view.SliceWidget)
        self.window.SetSize(size, size)
        self.renderer = vtkRenderer()
        self.window.AddRenderer(self.renderer)
        self.view = SliceView(self.renderer, plane, font_size=max(10, size // 40))
        self.view.set_volume(volume)

    def _grab(self) -> vtkWindowToImageFilter:
        self.view.refit()
        self.window.Render()
        grab = vtkWindowToImageFilter()
        grab.SetInput(self.window)
        grab.SetInputBufferTypeToRGB()
        grab.ReadFrontBufferOff()
        grab.Update()
        return grab

    def rgb(self) -> np.ndarray:
        """The rendered frame as an (height, width, 3) uint8 array, row 0 at the top."""
        self.view.refit()
        return grab_rgb(self.window)

    def save_png(self, path: Path | str) -> Path:
        grab = self._grab()  # keep a reference: the writer's port does not own its producer
        writer = vtkPNGWriter()
        writer.SetFileName(str(path))
        writer.SetInputConnection(grab.GetOutputPort())
        writer.Write()
        return Path(path)

    def close(self) -> None:
        self.window.Finalize()
