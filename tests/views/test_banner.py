"""The patient banner on the rendered view: Japanese names drawn as kanji, not as blanks."""
from __future__ import annotations

import dataclasses

import numpy as np
import pydicom

from common.charset_guess import GuessedEncoding
from common.person_name import display_name
from tests.fixtures.mislabelled import real_japanese_name, write_mislabelled
from viewer.dicom_files import Identity
from viewer.volume import load_volume, synthetic_phantom
from viewer.views.slice_view import _REFUSED_COLOUR


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
    for name, expected in (("chrH31.dcm", "山田 太郎（やまだ たろう）"),    # kanji with kana
                           ("chrX1.dcm", "王 小東（Wang XiaoDong）")):      # no kana: romaji
        ds = pydicom.dcmread(shared_data / "charset" / name)
        assert display_name(Identity.from_dataset(ds).patient_name) == expected


def _warning_coloured(rgb: np.ndarray) -> int:
    """Pixels drawn in the banner notices' colour (the volume warnings' orange)."""
    target = np.array(_REFUSED_COLOUR) * 255
    return int((np.abs(rgb.astype(int) - target).max(axis=-1) < 40).sum())


def test_guessed_name_is_flagged_on_the_banner(offscreen, tmp_path, shared_data, artifacts):
    name = real_japanese_name(shared_data)
    src = sorted((shared_data / "ct" / "lung-dx-a0001" / "series-2-5mm").glob("*.dcm"))[0]
    write_mislabelled(src, tmp_path / "sjis.dcm", name, "cp932", ["", "ISO 2022 IR 87"])
    guessed = load_volume(tmp_path / "sjis.dcm")
    assert guessed.identity.charset_guess is GuessedEncoding.SHIFT_JIS
    plain = dataclasses.replace(guessed, identity=dataclasses.replace(guessed.identity, charset_guess=None))
    host = offscreen(guessed, "axial", 512)
    host.save_png(artifacts / "banner-charset-guess.png")
    flagged_rgb = host.rgb()
    plain_rgb = offscreen(plain, "axial", 512).rgb()
    top_left = (slice(0, 140), slice(0, 512))
    # the flag, in the warnings' colour, under the patient lines; none without a guess
    assert _warning_coloured(flagged_rgb[top_left]) > 150
    assert _warning_coloured(plain_rgb[top_left]) < 10
    # the name itself is drawn the same (kanji glyphs) in both
    assert np.array_equal(flagged_rgb[:20, :240], plain_rgb[:20, :240])
