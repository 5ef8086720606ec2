"""On screen, an ROI or a length drawn on missing slices says why it has no value.

Real CT (tests/viewer/gap_volume.py: Lung_Dx-A0001 with three slices left out), rendered
off-screen through the SliceView the reading window uses.
"""
from __future__ import annotations

import numpy as np

from tests.viewer.gap_volume import gap_volume
from viewer.sampling import Refusal

GAP_REASON = "slice 32 is a blank gap filler: slices are missing there"


def _drawn(view) -> list[str]:
    """The measurement labels drawn, with the view's line wrapping undone."""
    return [" ".join(t.split()) for t in view.overlay_texts]


def _orange(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., n].astype(int) for n in range(3))
    return (r > 200) & (g > 80) & (g < 160) & (b < 90)


def _cyan(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., n].astype(int) for n in range(3))
    return (r < 120) & (g > 160) & (b > 200)


def test_roi_on_the_gap_shows_the_reason_and_on_acquired_data_the_mean(offscreen, shared_data, artifacts):
    vol, _ = gap_volume(shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm")
    host = offscreen(vol, "axial", 512)
    view = host.view
    view.set_slice_index(31)
    c = vol.index_to_lps([200.0, 300.0, 31])
    roi = view.add_ellipse(c, c + np.array([15.0, 10.0, 0.0]))
    assert roi.refusal.kind is Refusal.GAP and roi.stats is None
    assert _drawn(view) == [f"no value: {GAP_REASON}"]
    rgb = host.rgb()
    host.save_png(artifacts / "gap-roi-refused.png")
    # the ellipse and its label are drawn in the warning colour, none in the ROI colour
    assert _orange(rgb[:, 256:]).sum() > 300 and _cyan(rgb).sum() < 20

    view.set_slice_index(40)
    assert view.overlay_texts == []      # the refused ROI belongs to its own slice
    c = vol.index_to_lps([270.0, 260.0, 40])
    roi = view.add_ellipse(c, c + np.array([12.0, 8.0, 0.0]))
    assert roi.refusal is None and roi.stats.count > 100
    assert _drawn(view)[0].startswith(f"mean {roi.stats.mean:.1f} HU")
    rgb = host.rgb()
    host.save_png(artifacts / "gap-roi-acquired.png")
    assert _cyan(rgb).sum() > 200


def test_roi_on_a_mip_slab_says_its_values_are_the_centre_planes(offscreen, shared_data):
    """The picture is the slab's maximum; the mean is of the plane's own voxels: said on screen."""
    vol, _ = gap_volume(shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm")
    view = offscreen(vol, "axial", 400).view
    view.set_slice_index(40)
    c = vol.index_to_lps([270.0, 260.0, 40])
    roi = view.add_ellipse(c, c + np.array([12.0, 8.0, 0.0]))
    assert not _drawn(view)[0].endswith("not of the slab")
    view.set_slab(10.0, "mip")
    assert _drawn(view)[0] == f"{' '.join(roi.label().split())} values of the centre plane, not of the slab"
    view.set_slab(0.0)
    assert _drawn(view)[0] == " ".join(roi.label().split())


def test_length_on_the_gap_is_drawn_with_its_reason(offscreen, shared_data):
    vol, _ = gap_volume(shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm")
    host = offscreen(vol, "axial", 400)
    view = host.view
    view.set_slice_index(31)
    m = view.add_length(vol.index_to_lps([200.0, 300.0, 31]), vol.index_to_lps([260.0, 300.0, 31]))
    assert m.refusal.kind is Refusal.GAP
    assert _drawn(view) == [f"{m.mm:.1f} mm, not on acquired data: {GAP_REASON}"]
    assert _orange(host.rgb()).sum() > 100


def test_headless_render_draws_its_texts_in_english(offscreen, shared_data):
    """`yomi render` has no Qt translator: the source texts are drawn, warnings included."""
    vol, _ = gap_volume(shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm")
    view = offscreen(vol, "coronal", 400).view
    view.set_slab(10.0, "avg")
    drawn = view.drawn_texts()
    status = drawn["status"].splitlines()
    assert status[1].startswith("Coronal ") and status[3] == "Average slab 10.0 mm"
    assert " ".join(drawn["warnings"].split()).startswith("! missing slices: gap of 20.0 mm")
    assert {k: drawn[k] for k in ("label-left", "label-right", "label-top", "label-bottom")} == {
        "label-left": "R", "label-right": "L", "label-top": "S", "label-bottom": "I"}
