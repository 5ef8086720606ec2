"""K marks the view under the reader's eyes as a key image of the report.

The view's frame (measurements, orientation labels and banner as drawn) is read from its
render window here, on the GUI thread that owns the OpenGL context; the PNG is encoded and
the image on screen identified (SOP Class and Instance UID) on a worker; the report takes the
key image back on the GUI thread, through its edit session (autosaved, undoable).

Which image a view references: the acquired slice it shows for a view along the series' own
axis; for a reformatted plane, the acquired slice through the crosshair (the KOS references
instances, and a reformat has none of its own). A view on a gap filler refuses.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject

from app.report.errors import ReportError
from app.report.key_images import KeyImage, encode_png
from app.windows.error_text import error_text
from app.windows.translation import translator_for
from viewer.views.capture import grab_rgb

__all__ = ["KeyImageCapture", "install_key_images"]

log = logging.getLogger(__name__)


def _focused_view(mpr: Any) -> Any:
    for w in mpr.views.values():
        if w.hasFocus() and w.isVisible():
            return w
    return mpr.axial


def _slice_on_screen(volume: Any, view: Any, axial: Any) -> int:
    """Index k (volume order) of the acquired slice the view shows; for a reformatted plane, the
    slice the MPR's axial view shows (the crosshair's)."""
    axis = volume.affine[:3, 2] / np.linalg.norm(volume.affine[:3, 2])
    along = view if abs(float(view.axes.normal @ axis)) > 0.999 else axial
    k = float(volume.lps_to_index(along.plane_origin())[2])
    return int(np.clip(round(k), 0, volume.shape[0] - 1))


def _sop_class(groups: list, volume: Any, sop_uid: str) -> str:
    """The SOP Class of the instance, from its header as received (a worker's job: it may read a file)."""
    import pydicom

    for g in groups:
        if g.key != volume.key:
            continue
        for fr in g.frames:
            if fr.sop_uid == sop_uid:
                src = fr.source
                if isinstance(src, (str, Path)):
                    src = pydicom.dcmread(src, stop_before_pixels=True, specific_tags=["SOPClassUID"])
                return str(src.SOPClassUID)
    raise ReportError(f"image {sop_uid} is not among the series' received instances")


class KeyImageCapture(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window

    def capture(self) -> bool:
        """Take the focused view as a key image; False (with a status message) when it cannot."""
        win = self.window_
        panel = getattr(win, "report_panel", None)
        volume = win.volume
        if volume is None or panel is None or panel.session is None:
            win.status(self.tr("Open a study first"))
            return False
        if panel.report.is_signed:
            win.status(self.tr("The report is signed: start an addendum to add a key image"))
            return False
        w = _focused_view(win.mpr)
        k = _slice_on_screen(volume, w.view, win.mpr.axial.view)
        sop_uid = volume.sop_instance_uids[k]
        if not sop_uid or volume.slice_kinds[k] != "acquired":
            win.status(self.tr("No acquired image at this position: no key image"))
            return False
        w.view.refit()
        rgb = grab_rgb(w.GetRenderWindow())   # GUI thread: the render window's context lives here
        # the report's words, in the report's language (the screen's may be another)
        in_report = translator_for(panel.report.language)
        caption = "; ".join(m.label(in_report).replace("\n", " ") for m in w.view.measurements_on_plane())
        plane, groups, series_uid, report_id = w.plane, list(win.groups), volume.identity.series_uid, \
            panel.report.report_id

        def make() -> KeyImage:
            return KeyImage.from_png(encode_png(rgb), sop_class_uid=_sop_class(groups, volume, sop_uid),
                                     sop_instance_uid=sop_uid, series_uid=series_uid, caption=caption[:200],
                                     plane=plane, slice_index=k)

        def done(image: KeyImage) -> None:
            if panel.report is None or panel.report.report_id != report_id or panel.report.is_signed:
                return  # another study or a signed report by now: nothing to add it to
            try:
                n = panel.session.add_key_image(image)
            except ReportError as exc:
                win.status(error_text(exc))
                return
            win.status(self.tr("Key image {0}: image {1} of the series").format(n + 1, k + 1))
            log.info("key image %d of report %s: image %s", n + 1, report_id, sop_uid)

        def failed(exc: Exception) -> None:
            win.status(self.tr("Key image not taken: {0}").format(error_text(exc)))

        win.reading.run(make, done=done, failed=failed)
        return True


def install_key_images(window: Any) -> KeyImageCapture:
    capture = KeyImageCapture(window)
    window.keys.bind("report.key_image", capture.capture)  # K: app/keymap/defaults.py
    window.key_images = capture
    return capture
