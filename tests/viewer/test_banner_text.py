"""The corner texts of a view as plain strings, from a real file's identity (no VTK, no Qt)."""
from __future__ import annotations

import numpy as np
import pydicom

from viewer.dicom_files import Identity
from viewer.tools.window_level import PRESETS
from viewer.views import banner
from viewer.views.navigation import SlabMode, ViewState
from viewer.views.planes import PlaneAxes


def test_patient_and_study_text_of_the_real_ct(lung_series2):
    ds = pydicom.dcmread(next(iter(sorted(lung_series2.glob("*.dcm")))))
    ident = Identity.from_dataset(ds)
    who = banner.patient_text(ident, ideographic_ok=True).splitlines()
    assert who[1] == f"ID {ds.PatientID}"
    study = banner.study_text(ident)
    d = str(ds.StudyDate)
    assert f"{d[:4]}-{d[4:6]}-{d[6:]} " in study             # DA shown as an ISO date
    assert f"\nSe {ds.SeriesNumber} " in study and study.endswith("\nCT")


def test_status_text_names_slice_position_zoom_and_slab():
    state = ViewState(PlaneAxes.standard("coronal"), np.array([1.0, -42.25, 3.0]), PRESETS["lung"],
                      slab_mm=12.0, slab_mode=SlabMode.MINIP, zoom=2.0)
    lines = banner.status_text("coronal", state, 9, 512, oblique=False).splitlines()
    assert lines == ["W 1500 L -600 (lung)", "Coronal 10/512", "y -42.2 mm  zoom 2.00", "MINIP slab 12.0 mm"]
    state.slab_mm = 0.0
    oblique = banner.status_text("coronal", state, 9, 512, oblique=True).splitlines()
    assert oblique[1] == "Oblique coronal" and len(oblique) == 3


def test_warning_text_shows_the_first_three():
    assert banner.warning_text(["a", "b", "c", "d"]) == "! a\n! b\n! c"


def test_notices_name_the_guess_and_blank_uids_in_the_readers_language(lung_series2):
    import dataclasses

    from common.charset_guess import GuessedEncoding

    ident = Identity.from_dataset(pydicom.dcmread(next(iter(sorted(lung_series2.glob("*.dcm"))))))
    assert banner.identity_notices(ident) == () and banner.notice_text(ident) == ""
    odd = dataclasses.replace(ident, charset_guess=GuessedEncoding.EUC_JP, blank_uids=("SeriesInstanceUID",))
    kinds = [n.notice for n in banner.identity_notices(odd)]
    assert kinds == [banner.Notice.CHARSET_GUESSED, banner.Notice.UIDS_BLANKED]
    seen = []

    def translate(context: str, source: str) -> str:   # stands in for QCoreApplication.translate
        seen.append((context, source))
        return {banner.Notice.CHARSET_GUESSED.value: "氏名を{0}として読みました"}.get(source, source)

    lines = banner.notice_text(odd, translate).splitlines()
    assert lines[0] == "! 氏名をEUC-JPとして読みました"
    assert lines[1] == "! " + banner.Notice.UIDS_BLANKED.value
    assert {c for c, _ in seen} == {"Banner"}
