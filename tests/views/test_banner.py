"""The patient banner on the rendered view: Japanese names drawn as kanji, not as blanks."""
from __future__ import annotations

import dataclasses

import numpy as np
import pydicom

from viewer.dicom_files import Identity
from common.person_name import display_name
from viewer.volume import synthetic_phantom


def _banner(offscreen, name: str) -> np.ndarray:
    vol = synthetic_phantom()
    vol.identity = dataclasses.replace(vol.identity, patient_name=name)
    host = offscreen(vol, "axial", 400)
    rgb = host.rgb()
    return rgb[:24, :200].astype(int)  # first banner line: the name


def test_japanese_name_is_drawn_with_real_glyphs(offscreen):
    a = _banner(offscreen, "Yamada^Tarou=山田^太郎")
    b = _banner(offscreen, "Yamada^Tarou=田山^郎太")
    # Missing glyphs would draw the same blanks or boxes for any kanji: real glyphs differ.
    assert (a > 128).sum() > 50
    assert np.abs(a - b).max(axis=-1).astype(bool).sum() > 30


def test_banner_name_decoded_from_the_files_character_set(shared_data):
    for name, expected in (("chrH31.dcm", "山田 太郎 (Yamada Tarou)"),
                           ("chrX1.dcm", "王 小東 (Wang XiaoDong)")):
        ds = pydicom.dcmread(shared_data / "charset" / name)
        assert display_name(Identity.from_dataset(ds).patient_name) == expected
