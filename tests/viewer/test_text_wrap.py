"""Overlay text wrapped by display width: Japanese lines fit the view as English ones do."""
from __future__ import annotations

from tests.ts_catalogue import japanese
from viewer.views.text_wrap import columns, wrap
from viewer.volume_warnings import VolumeWarning, Warn


def test_a_japanese_warning_wraps_within_its_columns_and_loses_nothing():
    gap = VolumeWarning(Warn.MISSING_SLICES, gap=20.0, start=-294.0, end=-274.0, median=5.0, missing=3)
    text = "! " + gap.text(japanese)
    lines = wrap(text, 40, "  ").splitlines()
    assert len(lines) >= 4 and all(columns(line) <= 40 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line.strip()[0] in "、。）：" for line in lines[1:])   # closing marks end a line


def test_latin_words_stay_whole_and_short_lines_stay_as_they_are():
    text = "! missing slices: gap of 20.0 mm between slices at -294.00 and -274.00 mm along the normal"
    lines = wrap(text, 30, "  ").splitlines()
    assert all(columns(line) <= 30 for line in lines)
    assert " ".join(line.strip() for line in lines) == text
    roi = "mean -374.8 HU  SD 425.0\nmin -1024  max 520  480.9 mm²"
    assert wrap(roi, 40) == roi and wrap("", 40) == ""


def test_a_kanji_counts_two_columns():
    assert columns("肺野") == 4 and columns("W 1500") == 6 and columns("ｱ") == 1   # half-width kana: one
