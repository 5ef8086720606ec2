"""The synthetic phantom: HU contents and orientation markers where its docstring says."""
from __future__ import annotations

import numpy as np
import pytest

from viewer.volume import phantom_markers, synthetic_phantom


@pytest.fixture(scope="module")
def phantom():
    return synthetic_phantom()


def test_identity_geometry_and_determinism(phantom):
    assert phantom.shape == (64, 128, 128) and phantom.voxels.dtype == np.int16
    assert phantom.spacing == pytest.approx((1.5, 1.5, 3.0))
    assert phantom.affine[:3, :3] == pytest.approx(np.diag([1.5, 1.5, 3.0]))
    ident = phantom.identity
    assert (ident.patient_name, ident.patient_id, ident.study_description) == (
        "PHANTOM^SYNTHETIC", "SYNTH-0001", "Synthetic chest phantom")
    again = synthetic_phantom()
    assert again.identity == ident and ident.study_uid.startswith("2.25.")
    assert np.array_equal(again.voxels, phantom.voxels)
    # centred on the origin: k increasing = z increasing (superior)
    assert phantom.index_to_lps([63.5, 63.5, 31.5]) == pytest.approx([0, 0, 0])


def test_tissues(phantom):
    values = set(np.unique(phantom.voxels).tolist())
    assert values == {-1000, -850, 40, 700, 1000}
    assert phantom.hu_at((0, 0, 10)) == -1000                      # air in the corner
    assert phantom.hu_at(phantom.lps_to_index([0, 0, 0])) == 40    # mediastinum
    # spine posterior (+y), lungs left and right
    assert phantom.hu_at(phantom.lps_to_index([0, 0.7 * 57.6, 0])) == 700
    assert phantom.hu_at(phantom.lps_to_index([-0.45 * 80.64, 0, 0])) == -850
    assert phantom.hu_at(phantom.lps_to_index([0.45 * 80.64, 10, 0])) == -850


def test_markers_are_asymmetric_and_where_declared(phantom):
    markers = phantom_markers()
    assert set(markers) == {"left_cube", "anterior_sphere", "superior_rod"}
    x, y, z = markers["left_cube"]
    assert x > 50 and phantom.hu_at(phantom.lps_to_index([x, y, z])) == 1000
    assert phantom.hu_at(phantom.lps_to_index([-x, y, z])) != 1000       # not mirrored to the right
    x, y, z = markers["anterior_sphere"]
    assert y < -40 and phantom.hu_at(phantom.lps_to_index([x, y, z])) == 1000
    assert phantom.hu_at(phantom.lps_to_index([x, -y, z])) != 1000       # not mirrored posterior
    x, y, z = markers["superior_rod"]
    assert x < 0 and y > 0 and z > 0.75 * 96 - 96
    assert phantom.hu_at(phantom.lps_to_index([x, y, z])) == 1000
    k_rod = np.flatnonzero(phantom.voxels[:, int(round(phantom.lps_to_index([x, y, z])[1])),
                                          int(round(phantom.lps_to_index([x, y, z])[0]))] == 1000)
    assert k_rod.min() >= 48 and k_rod.max() == 63                       # top quarter of slices only


def test_other_shapes_keep_markers(phantom):
    small = synthetic_phantom(shape=(16, 40, 48), spacing=(2.0, 2.5, 4.0))
    for name, centre in phantom_markers((16, 40, 48), (2.0, 2.5, 4.0)).items():
        assert small.hu_at(small.lps_to_index(centre)) == 1000, name
