"""common.slice_position: one number for retrieval order and volume assembly."""
from __future__ import annotations

import math

import pytest

from common.slice_position import slice_normal, slice_position

AXIAL = (1, 0, 0, 0, 1, 0)


def test_axial_position_is_z() -> None:
    assert slice_normal(AXIAL) == (0.0, 0.0, 1.0)
    assert slice_position((-170.0, -170.0, -42.5), AXIAL) == -42.5


def test_unnormalised_cosines_give_the_same_position() -> None:
    # a header with sloppy cosines (|row| = 2) must sort like the clean one
    assert slice_position((1, 2, 3), (2, 0, 0, 0, 1, 0)) == pytest.approx(3.0)


def test_oblique() -> None:
    c = math.cos(math.radians(30))
    s = math.sin(math.radians(30))
    iop = (1, 0, 0, 0, c, s)  # tilted about x
    n = slice_normal(iop)
    assert n == pytest.approx((0.0, -s, c))
    assert slice_position((0, 0, 10), iop) == pytest.approx(10 * c)


@pytest.mark.parametrize("iop", [(1, 0, 0, 1, 0, 0), (0, 0, 0, 0, 1, 0), (1, 0, 0, 0, 1)])
def test_unusable_orientation_raises(iop: tuple) -> None:
    with pytest.raises(ValueError):
        slice_normal(iop)


def test_volume_and_retrieval_agree() -> None:
    """The viewer's slice sort and the retrieval plan call the same function."""
    import pydicom

    from viewer import volume
    from worklist import retrieval

    ds = pydicom.Dataset()
    ds.ImagePositionPatient = [1.5, -2.0, 33.25]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0.8, 0.6]
    expected = slice_position(ds.ImagePositionPatient, ds.ImageOrientationPatient)
    assert retrieval._position(ds) == expected
    assert volume.slice_position is slice_position
