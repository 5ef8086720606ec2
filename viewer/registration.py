"""Rigid registration of a prior chest CT to the current one (SimpleITK, no Qt, no VTK).

The result maps a point of the current study (LPS mm) to the same anatomy in the prior
(LPS mm of the prior's own frame). Two studies of one patient never share a frame of
reference in practice (each exam is a new one), so the scanner's table position is only a
first guess; the registration corrects the patient lying a few millimetres and degrees
differently.

Method (decided for a 2-core reading station, seconds not minutes):
* both volumes clamped to a lung window (-1000..200 HU: the lungs, vessels and chest wall
  drive the match, bone and contrast do not) and resampled to about 3 mm in-plane;
* Euler3D (rigid: 3 rotations, 3 translations) about the current volume's centre, started
  at the table position (identity in patient coordinates);
* Mattes mutual information on a fixed random sample (seeded: the same studies always give
  the same answer), regular-step gradient descent, three resolutions (shrink 4, 2, 1).

Nothing is trusted silently. The result is `Outcome.OK` only when the optimiser stopped by
converging (step below its minimum, not out of iterations), the rotation and translation
are within what a patient lying again on a table can do (`MAX_ROTATION_DEG`,
`MAX_TRANSLATION_MM`), and the two images agree better after than before (correlation in
the overlap). Otherwise it is `Outcome.FELL_BACK_TO_TABLE_POSITION` with a typed reason,
and the views are linked by the DICOM coordinates as they are: the GUI says so.
"""
from __future__ import annotations

import enum
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)

__all__ = ["Outcome", "Fallback", "Caution", "Registration", "register_rigid", "table_position",
           "MAX_ROTATION_DEG", "MAX_TRANSLATION_MM"]

# A patient re-positioned on the table turns a few degrees and moves a few centimetres;
# beyond these the optimiser has most likely locked onto the wrong structure.
MAX_ROTATION_DEG = 15.0
MAX_TRANSLATION_MM = 80.0
# The registered images must correlate at least this much in the lung window (a chest CT
# matched to itself after a few mm and degrees reaches about 0.9; two unrelated regions < 0.3).
MIN_CORRELATION = 0.5
# Orientation cosines differing by more than this (degrees) between the two acquisitions.
ORIENTATION_TOLERANCE_DEG = 5.0
LUNG_WINDOW = (-1000.0, 200.0)
WORK_SPACING_MM = 3.0
ITERATIONS = 200
SEED = 20240601


class Outcome(enum.Enum):
    OK = "ok"
    FELL_BACK_TO_TABLE_POSITION = "fell_back_to_table_position"


class Fallback(enum.Enum):
    """Why the table position is used instead of the registration."""

    NOT_CONVERGED = "not_converged"          # the optimiser ran out of iterations
    IMPLAUSIBLE_TRANSFORM = "implausible"    # rotation or translation beyond the bounds
    POOR_MATCH = "poor_match"                # the images do not agree after registration
    NO_OVERLAP = "no_overlap"                # the two volumes do not overlap at table position
    NOT_ORIENTED = "not_oriented"            # a volume has no patient orientation
    FAILED = "failed"                        # SimpleITK raised (named in `detail`)
    CANCELLED = "cancelled"


class Caution(enum.Enum):
    """Facts about the pair the reader is told even when the registration succeeded."""

    OTHER_FRAME_OF_REFERENCE = "other_frame_of_reference"
    OTHER_ORIENTATION = "other_orientation"


@dataclass(frozen=True)
class Registration:
    """current LPS -> prior LPS as a 4x4 matrix, and how far it can be trusted."""

    outcome: Outcome
    matrix: np.ndarray                       # 4x4, applied to (x, y, z, 1) of the current study
    fallback: Fallback | None = None
    detail: str = ""                         # SimpleITK's stop condition or error (no personal data)
    rotation_deg: float = 0.0
    translation_mm: float = 0.0
    correlation_before: float = float("nan")
    correlation_after: float = float("nan")
    iterations: int = 0
    cautions: tuple[Caution, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def to_prior(self, point_lps) -> np.ndarray:
        p = np.append(np.asarray(point_lps, float)[:3], 1.0)
        return (self.matrix @ p)[:3]

    def to_current(self, point_lps) -> np.ndarray:
        p = np.append(np.asarray(point_lps, float)[:3], 1.0)
        return (np.linalg.inv(self.matrix) @ p)[:3]


def cautions_of(current, prior) -> tuple[Caution, ...]:
    out = []
    if current.frame_of_reference_uid != prior.frame_of_reference_uid:
        out.append(Caution.OTHER_FRAME_OF_REFERENCE)
    a = current.affine[:3, :3] / np.linalg.norm(current.affine[:3, :3], axis=0)
    b = prior.affine[:3, :3] / np.linalg.norm(prior.affine[:3, :3], axis=0)
    cos = np.clip(np.sum(a * b, axis=0), -1.0, 1.0)
    if float(np.degrees(np.arccos(cos)).max()) > ORIENTATION_TOLERANCE_DEG:
        out.append(Caution.OTHER_ORIENTATION)
    return tuple(out)


def table_position(current, prior, fallback: Fallback, detail: str = "", **measured) -> Registration:
    """The fallback: the DICOM coordinates of both studies taken as they are."""
    return Registration(Outcome.FELL_BACK_TO_TABLE_POSITION, np.eye(4), fallback, detail,
                        cautions=cautions_of(current, prior), **measured)


def _sitk_image(volume, sitk):
    """The volume as a SimpleITK image in LPS mm, float32, clamped to the lung window and
    resampled to about WORK_SPACING_MM in-plane (slices kept)."""
    arr = np.clip(volume.voxels.astype(np.float32), *LUNG_WINDOW)
    img = sitk.GetImageFromArray(arr)  # numpy (k, j, i) -> image (x=i, y=j, z=k)
    cols = volume.affine[:3, :3]
    spacing = np.linalg.norm(cols, axis=0)
    img.SetSpacing([float(s) for s in spacing])
    img.SetOrigin([float(v) for v in volume.affine[:3, 3]])
    img.SetDirection([float(v) for v in (cols / spacing).flatten()])
    factors = [max(1, int(round(WORK_SPACING_MM / s))) if n < 2 else 1 for n, s in enumerate(spacing)]
    if any(f > 1 for f in factors):
        img = sitk.BinShrink(img, factors)  # averages: no aliasing of thin vessels
    return img


def _correlation(fixed, moving, transform, sitk) -> float:
    """Pearson correlation of the two images in the overlap, `moving` seen through `transform`."""
    outside = LUNG_WINDOW[0] - 1.0
    warped = sitk.Resample(moving, fixed, transform, sitk.sitkLinear, outside, sitk.sitkFloat32)
    a = sitk.GetArrayViewFromImage(fixed).ravel()
    b = sitk.GetArrayViewFromImage(warped).ravel()
    inside = b > outside
    if inside.sum() < 1000:
        return float("nan")
    a, b = a[inside], b[inside]
    sa, sb = float(a.std()), float(b.std())
    if sa == 0 or sb == 0:
        return float("nan")
    return float(((a - a.mean()) * (b - b.mean())).mean() / (sa * sb))


def _matrix(transform) -> np.ndarray:
    """4x4 of a SimpleITK rigid transform: p -> R (p - c) + c + t."""
    r = np.array(transform.GetMatrix(), float).reshape(3, 3)
    c = np.array(transform.GetCenter(), float)
    t = np.array(transform.GetTranslation(), float)
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = c + t - r @ c
    return m


def register_rigid(current, prior, *, progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None) -> Registration:
    """Register `prior` to `current` (viewer.volume.Volume each); never raises for bad input:
    every failure is a fallback to the table position with its reason."""
    import SimpleITK as sitk

    if not (current.oriented and prior.oriented):
        return table_position(current, prior, Fallback.NOT_ORIENTED)
    try:
        fixed, moving = _sitk_image(current, sitk), _sitk_image(prior, sitk)
        centre = fixed.TransformContinuousIndexToPhysicalPoint([(n - 1) / 2 for n in fixed.GetSize()])
        initial = sitk.Euler3DTransform()
        initial.SetCenter(centre)
        before = _correlation(fixed, moving, initial, sitk)
        if math.isnan(before):
            return table_position(current, prior, Fallback.NO_OVERLAP)
        method = sitk.ImageRegistrationMethod()
        method.SetMetricAsMattesMutualInformation(numberOfHistogramBins=48)
        method.SetMetricSamplingStrategy(method.RANDOM)
        method.SetMetricSamplingPercentage(0.2, SEED)
        method.SetInterpolator(sitk.sitkLinear)
        method.SetOptimizerAsRegularStepGradientDescent(learningRate=2.0, minStep=1e-3,
                                                        numberOfIterations=ITERATIONS,
                                                        relaxationFactor=0.5, gradientMagnitudeTolerance=1e-6)
        method.SetOptimizerScalesFromPhysicalShift()
        method.SetShrinkFactorsPerLevel([4, 2, 1])
        method.SetSmoothingSigmasPerLevel([2.0, 1.0, 0.0])
        method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOn()
        method.SetInitialTransform(initial, inPlace=False)
        levels = 3
        state = {"level": 0, "stopped": False}

        def each_iteration() -> None:
            if cancel is not None and cancel.is_set() and not state["stopped"]:
                state["stopped"] = True
                method.StopRegistration()
            if progress is not None:
                done = state["level"] * ITERATIONS + method.GetOptimizerIteration()
                progress(min(done, levels * ITERATIONS), levels * ITERATIONS)

        def next_level() -> None:
            state["level"] = method.GetCurrentLevel()

        method.AddCommand(sitk.sitkIterationEvent, each_iteration)
        method.AddCommand(sitk.sitkMultiResolutionIterationEvent, next_level)
        result = method.Execute(fixed, moving)
        stop = method.GetOptimizerStopConditionDescription()
        iterations = method.GetOptimizerIteration()
    except RuntimeError as exc:  # SimpleITK's errors are RuntimeError; the message names no patient
        log.warning("registration failed: %s", str(exc).splitlines()[0][:200])
        return table_position(current, prior, Fallback.FAILED, str(exc).splitlines()[0][:200])
    if cancel is not None and cancel.is_set():
        return table_position(current, prior, Fallback.CANCELLED)
    rigid = sitk.Euler3DTransform(sitk.CompositeTransform(result).GetNthTransform(0)) \
        if result.GetName() == "CompositeTransform" else sitk.Euler3DTransform(result)
    m = _matrix(rigid)
    angle = math.degrees(math.acos(float(np.clip((np.trace(m[:3, :3]) - 1) / 2, -1.0, 1.0))))
    shift = float(np.linalg.norm(m[:3, :3] @ np.asarray(centre) + m[:3, 3] - np.asarray(centre)))
    after = _correlation(fixed, moving, rigid, sitk)
    measured = dict(rotation_deg=angle, translation_mm=shift, correlation_before=before,
                    correlation_after=after, iterations=iterations)
    log.info("registration: %s; rotation %.2f deg, shift %.1f mm, correlation %.3f -> %.3f",
             stop, angle, shift, before, after)
    if iterations >= ITERATIONS:  # the last level ran out of iterations instead of converging
        return table_position(current, prior, Fallback.NOT_CONVERGED, stop, **measured)
    if angle > MAX_ROTATION_DEG or shift > MAX_TRANSLATION_MM:
        return table_position(current, prior, Fallback.IMPLAUSIBLE_TRANSFORM, stop, **measured)
    if math.isnan(after) or after < MIN_CORRELATION or after < before:
        return table_position(current, prior, Fallback.POOR_MATCH, stop, **measured)
    return Registration(Outcome.OK, m, None, stop, cautions=cautions_of(current, prior), **measured)
