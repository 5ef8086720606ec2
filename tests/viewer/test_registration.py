"""Rigid registration of a prior to the current chest CT (viewer/registration.py), on the real
series moved by a known rigid transform (tests/fixtures/prior_pair.py)."""
from __future__ import annotations

import dataclasses
import threading

import numpy as np

from tests.fixtures.prior_pair import prior_pair, prior_registration, prior_volumes, rigid  # noqa: F401
from viewer import registration as reg
from viewer.registration import Caution, Fallback, Outcome, register_rigid


def test_the_prior_is_registered_within_2_mm_at_the_nodule(prior_pair, prior_registration):  # noqa: F811
    r = prior_registration
    assert r.outcome is Outcome.OK, (r.fallback, r.detail)
    error = np.linalg.norm(r.to_prior(prior_pair.nodule_current) - prior_pair.nodule_prior)
    assert error < 2.0, error
    # without the registration the table position is off by the whole shift and rotation
    assert np.linalg.norm(prior_pair.nodule_current - prior_pair.nodule_prior) > 7.0
    assert abs(r.rotation_deg - 3.0) < 0.5
    assert r.correlation_after > r.correlation_before
    assert Caution.OTHER_FRAME_OF_REFERENCE in r.cautions  # two exams: two frames, said
    assert np.allclose(r.to_current(r.to_prior(prior_pair.nodule_current)), prior_pair.nodule_current)


def test_an_optimiser_out_of_iterations_falls_back_to_the_table_position(prior_volumes, monkeypatch):  # noqa: F811
    monkeypatch.setattr(reg, "ITERATIONS", 2)
    r = register_rigid(*prior_volumes)
    assert r.outcome is Outcome.FELL_BACK_TO_TABLE_POSITION and r.fallback is Fallback.NOT_CONVERGED
    assert np.array_equal(r.matrix, np.eye(4))


def test_a_prior_in_another_orientation_is_said_and_never_aligned_silently(prior_volumes):  # noqa: F811
    current, prior = prior_volumes
    # the same voxels declared turned 90 degrees about the patient's axis: another orientation
    centre = prior.index_to_lps((np.array(prior.shape[::-1]) - 1) / 2)
    turned = dataclasses.replace(prior, affine=rigid(90.0, (0, 0, 0), centre) @ prior.affine)
    r = register_rigid(current, turned)
    assert Caution.OTHER_ORIENTATION in r.cautions
    if r.ok:  # found the 90 degrees back: then it must be right, never half-way
        assert abs(r.rotation_deg - 90.0) < 2.0
    else:
        assert r.fallback in (Fallback.IMPLAUSIBLE_TRANSFORM, Fallback.POOR_MATCH, Fallback.NOT_CONVERGED)


def test_volumes_that_do_not_overlap_fall_back_with_that_reason(prior_volumes):  # noqa: F811
    current, prior = prior_volumes
    away = prior.affine.copy()
    away[2, 3] += 1000.0  # a metre further up the table: nothing in common at table position
    r = register_rigid(current, dataclasses.replace(prior, affine=away))
    assert r.fallback is Fallback.NO_OVERLAP


def test_a_cancelled_registration_says_so(prior_volumes):  # noqa: F811
    stop = threading.Event()
    seen = []

    def progress(done, total):
        seen.append(done)
        stop.set()  # the reader pressed Cancel at the first report

    r = register_rigid(*prior_volumes, progress=progress, cancel=stop)
    assert r.fallback is Fallback.CANCELLED and seen
