"""The Qt-free pieces behind Ctrl+M and demo signing, on the real CT's geometry."""
from __future__ import annotations

import stat
from dataclasses import dataclass, field
from itertools import count

import numpy as np
import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from app.report.demo_pki import ensure_demo_pki
from app.report.errors import FieldValueError
from app.report.measurement_link import finding_from_lengths, pick_axes
from viewer.tools.measure import Length

_ids = count(10_000)


@dataclass
class _Vol:
    """Just the geometry the link reads: an axial stack, 0.7 mm pixels, 2.5 mm slices."""
    affine: np.ndarray = field(default_factory=lambda: np.diag([0.7, 0.7, 2.5, 1.0]))
    sop_instance_uids: list = field(default_factory=lambda: [f"1.2.3.{k}" for k in range(10)])
    slice_kinds: list = field(default_factory=lambda: ["acquired"] * 10)

    class identity:
        series_uid = "1.2.3"

    def lps_to_index(self, xyz):
        return (np.asarray(xyz, float) - self.affine[:3, 3]) @ np.linalg.inv(self.affine[:3, :3]).T


def _len(p1, p2) -> Length:
    return Length(np.array(p1, float), np.array(p2, float), id=next(_ids))


def test_perpendicular_partner_on_the_same_slice_is_the_short_axis():
    vol = _Vol()
    z = 2.5 * 4
    long = _len([0, 0, z], [9, 0, z])
    other_slice = _len([4, -3, z + 2.5], [4, 3, z + 2.5])
    short = _len([4, -3, z], [4, 3, z])
    pick = pick_axes([long, other_slice, short], vol)
    assert (pick.long, pick.short, pick.slice_index) == (long, short, 4)
    n = finding_from_lengths(pick, vol)
    assert (float(n.long_mm), float(n.short_mm), n.sop_uid, n.slice_index) == (9.0, 6.0, "1.2.3.4", 4)
    assert n.long_axis_px == pytest.approx((0, 0, 9 / 0.7, 0))


def test_a_shallow_angle_is_not_a_short_axis_and_then_the_short_axis_is_asked():
    vol = _Vol()
    a = _len([0, 0, 0], [10, 0, 0])
    b = _len([0, 0, 0], [5, 2, 0])  # about 22 degrees
    pick = pick_axes([a, b], vol)
    assert pick.short is None and pick.long is b
    with pytest.raises(FieldValueError, match="short axis"):
        finding_from_lengths(pick, vol)
    assert float(finding_from_lengths(pick, vol, 3.0).short_mm) == 3.0


def test_refusals_name_the_problem():
    vol = _Vol()
    with pytest.raises(FieldValueError, match="length tool"):
        pick_axes([], vol)
    with pytest.raises(FieldValueError, match="one image"):
        pick_axes([_len([0, 0, 0], [0, 0, 10])], vol)  # along the slices (coronal/sagittal drawing)
    used = _len([0, 0, 0], [5, 0, 0])
    with pytest.raises(FieldValueError, match="length tool"):
        pick_axes([used], vol, exclude={used.id})
    vol.slice_kinds[0] = "interpolated"
    with pytest.raises(FieldValueError, match="interpolated"):
        finding_from_lengths(pick_axes([_len([0, 0, 0], [5, 0, 0]), _len([2, -1, 0], [2, 1, 0])], vol), vol)


def test_demo_pki_is_made_once_labelled_demo_and_private(tmp_path):
    pki = ensure_demo_pki(tmp_path / "pki")
    again = ensure_demo_pki(tmp_path / "pki")
    assert again.p12.read_bytes() == pki.p12.read_bytes() and again.password == pki.password
    for path in (pki.p12, pki.p12.with_name(pki.p12.name + ".password")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    _key, cert, extra = pkcs12.load_key_and_certificates(pki.p12.read_bytes(), pki.password)
    assert "DEMO" in cert.subject.rfc4514_string() and "DEMO" in extra[0].subject.rfc4514_string()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(pki.p12.read_bytes(), b"wrong")
