"""The corner texts of a view as plain strings, from a real file's identity (no VTK, no Qt)."""
from __future__ import annotations

import numpy as np
import pydicom
import pytest

from viewer.dicom_files import Identity
from tests.ts_catalogue import Untranslated, japanese
from viewer.tools.window_level import PRESETS, Window
from viewer.views import banner
from viewer.views.navigation import SlabMode, ViewState
from viewer.views.planes import PlaneAxes
from viewer.volume_warnings import VolumeWarning, Warn


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
    assert lines == ["W 1500 L -600 (Lung)", "Coronal 10/512", "y -42.2 mm  zoom 2.00", "MinIP slab 12.0 mm"]
    state.slab_mm = 0.0
    oblique = banner.status_text("coronal", state, 9, 512, oblique=True).splitlines()
    assert oblique[1] == "Oblique Coronal" and len(oblique) == 3


def test_status_text_in_japanese_from_the_catalogue():
    """Every word of the status corner comes from the catalogue (a text not marked for lupdate,
    or not translated, raises); numbers, units and W/L stay."""
    state = ViewState(PlaneAxes.standard("axial"), np.array([1.0, 2.0, -120.0]), PRESETS["lung"],
                      slab_mm=10.0, slab_mode=SlabMode.AVG, zoom=1.5)
    lines = banner.status_text("axial", state, 31, 64, oblique=False, translate=japanese).splitlines()
    assert lines == ["W 1500 L -600（肺野）", "横断 32/64", "z -120.0 mm  拡大率 1.50", "平均値投影 スラブ厚 10.0 mm"]
    state.window = Window(10, 100, "custom")
    assert banner.status_text("sagittal", state, 0, 9, oblique=True, translate=japanese).splitlines()[:2] == [
        "W 100 L 10（手動調整）", "斜位 矢状断"]
    for name, shown in (("series 2", "シリーズ 2"), ("WINDOW1", "WINDOW1")):   # the file's own words stay
        state.window = Window(10, 100, name)
        assert banner.status_text("axial", state, 0, 9, oblique=False, translate=japanese).startswith(
            f"W 100 L 10（{shown}）")


def test_the_catalogue_check_refuses_a_text_it_does_not_hold():
    with pytest.raises(Untranslated):
        japanese("Banner", "Axial slab")
    with pytest.raises(Untranslated):
        japanese("Measure", "Axial")   # an entry of another context does not count


def test_warning_text_shows_the_first_three():
    assert banner.warning_text(["a", "b", "c", "d"]) == "! a\n! b\n! c"


def test_warning_text_translates_volume_warnings_and_keeps_other_text():
    tilt = VolumeWarning(Warn.GANTRY_TILT, deg=15.04)
    assert tilt == "gantry tilt 15.0° corrected by resampling (each slice shifted in-plane, linear interpolation)"
    assert banner.warning_text([tilt, "file x: no decoder"], japanese) == (
        "! ガントリ傾斜 15.0° を再サンプリングで補正しました（各スライスを面内で移動、線形補間）\n! file x: no decoder")


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
