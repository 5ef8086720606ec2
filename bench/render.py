"""View updates through Yomi's SliceView against a bare vtkImageResliceMapper of the same
volume in a window of the same size (off screen, software OpenGL), per update.

Updates: one slice of scroll in the axial, coronal and sagittal planes, in an oblique plane
(30° about the left-right axis), a 5° rotation of the plane, and a 20 mm MIP slab stepped
in the coronal plane (floor: the mapper's own slab, SlabTypeToMax).
"""
from __future__ import annotations

import math
import time

import numpy as np

from bench.figures import Figure

SIZE = 512
UPDATES = 20


def _bare(volume, normal: np.ndarray, up: np.ndarray, scale: float, slab_mm: float = 0.0):
    """The bare mapper showing what the view shows: the same plane at the same `scale` (half
    the world height in view): ResetCamera alone fits the volume's bounding sphere, which
    draws the image at 40% of the view's pixels and makes a floor of less work."""
    from vtkmodules.vtkRenderingCore import vtkImageSlice, vtkRenderer, vtkRenderWindow
    from vtkmodules.vtkRenderingImage import vtkImageResliceMapper

    from viewer.views.slice_view import volume_to_vtk

    img, rot, origin = volume_to_vtk(volume)
    window = vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetMultiSamples(0)   # as Yomi's views: the floor is the cheapest bare draw
    window.SetSize(SIZE, SIZE)
    ren = vtkRenderer()
    window.AddRenderer(ren)
    mapper = vtkImageResliceMapper()
    mapper.SetInputData(img)
    mapper.SliceFacesCameraOn()
    mapper.SliceAtFocalPointOn()
    if slab_mm:
        mapper.SetSlabThickness(slab_mm)
        mapper.SetSlabTypeToMax()
    actor = vtkImageSlice()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColorWindow(1500)
    actor.GetProperty().SetColorLevel(-600)
    actor.GetProperty().SetInterpolationTypeToLinear()
    ren.AddViewProp(actor)
    cam = ren.GetActiveCamera()
    cam.ParallelProjectionOn()
    centre = np.array(img.GetCenter())
    n, u = rot.T @ normal, rot.T @ up  # into the image's data space
    cam.SetFocalPoint(*centre)
    cam.SetPosition(*(centre + 500 * n))
    cam.SetViewUp(*u)
    ren.ResetCamera()
    cam.SetFocalPoint(*centre)
    cam.SetPosition(*(centre + 500 * n))
    cam.SetParallelScale(scale)
    ren.ResetCameraClippingRange()  # else the slice 500 mm away is clipped and nothing is drawn
    window.Render()
    if not _drawn(window):
        raise RuntimeError("the bare mapper drew a blank image: its figure would not be a floor")
    return window, cam, n


def _drawn(window) -> bool:
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter

    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.ReadFrontBufferOff()
    grab.Update()
    return bool(vtk_to_numpy(grab.GetOutput().GetPointData().GetScalars()).any())


def _per_update(step) -> list[float]:
    out = []
    for i in range(UPDATES):
        t = time.perf_counter()
        step(i)
        out.append(time.perf_counter() - t)
    return out


def measure(volume, label: str, runs: int) -> list[Figure]:
    from viewer.views.offscreen import OffscreenView
    from viewer.views.planes import PlaneAxes

    figures = []
    lr = np.array([1.0, 0.0, 0.0])
    cases = [("scroll axial", "axial", None, 0.0), ("scroll coronal", "coronal", None, 0.0),
             ("scroll sagittal", "sagittal", None, 0.0), ("scroll oblique 30°", "axial", math.radians(30), 0.0),
             ("rotate 5°", "axial", "rotate", 0.0), ("20 mm MIP, coronal", "coronal", None, 20.0)]
    for name, plane, turn, slab in cases:
        fig = Figure(f"{name}, {label}", floor_name="bare vtkImageResliceMapper" if not slab else
                     "VTK slab reslice + render", target=1.5 if slab else 1.3)
        host = OffscreenView(volume, plane, SIZE)
        view = host.view
        axes = PlaneAxes.standard(plane)
        if isinstance(turn, float):
            axes = axes.rotated(lr, turn)
            view.set_axes(axes)
        if slab:
            view.set_slab(slab, "mip")
        host.window.Render()
        window, cam, n = _bare(volume, axes.normal, axes.up, host.renderer.GetActiveCamera().GetParallelScale(), slab)
        ren = window.GetRenderers().GetFirstRenderer()
        step_mm = view.step_mm()
        for _ in range(runs):
            if turn == "rotate":
                scales: list[float] = []   # the view's fit after each turn (its plane's extent)

                def ours(i):
                    view.set_axes(view.axes.rotated(view.axes.right, math.radians(5)))
                    host.window.Render()
                    scales.append(host.renderer.GetActiveCamera().GetParallelScale())

                def bare(i):
                    cam.Elevation(5)
                    cam.OrthogonalizeViewUp()
                    cam.SetParallelScale(scales[i])   # as many pixels drawn as the view's turn i
                    ren.ResetCameraClippingRange()
                    window.Render()
            else:
                def ours(i):
                    view.scroll(1 if (i // 10) % 2 == 0 else -1)
                    host.window.Render()

                def bare(i):
                    d = step_mm * (1 if (i // 10) % 2 == 0 else -1) * n
                    cam.SetFocalPoint(*(np.array(cam.GetFocalPoint()) + d))
                    cam.SetPosition(*(np.array(cam.GetPosition()) + d))
                    ren.ResetCameraClippingRange()
                    window.Render()
            fig.ours.add(float(np.median(_per_update(ours))))
            fig.floor.add(float(np.median(_per_update(bare))))
        host.close()
        window.Finalize()
        figures.append(fig)
    return figures
