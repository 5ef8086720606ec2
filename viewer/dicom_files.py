"""DICOM headers -> one record per image frame, and the decoding of one frame's pixels.

Qt-free and VTK-free. This module knows DICOM (tags, functional groups, transfer
syntaxes, character sets); `viewer.volume` knows geometry and assembly and is the
public surface (it re-exports `Identity`, `FileProblem` and the errors).

Everything read here is read as data: values are converted with explicit checks so that
a malformed header becomes a `FileProblem` naming the file, never an exception that stops
the other files. Messages carry file names, UIDs and attribute names only, never the
patient's name, ID or birth date.
"""
from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.uid import UID, ImplicitVRLittleEndian, MediaStorageDirectoryStorage, RTDoseStorage, SegmentationStorage

from common.charset_guess import GuessedEncoding, decode_element_text
from common.dicom_bounds import DecodeLimits, TooLarge, check_deflated_part10, declared_pixel_bytes
from viewer.series_split import blank_uids, series_key

log = logging.getLogger(__name__)

DICOMDIR_SOP_CLASS = MediaStorageDirectoryStorage
# Objects that carry Pixel Data but are not grey-scale images a reader scrolls through.
NOT_READING_IMAGES = {
    SegmentationStorage: "segmentation (SEG)",
    RTDoseStorage: "RT dose grid",
}
# Refuse absurd sizes before allocating anything (a crafted header must not exhaust memory).
MAX_SIDE = 16384
MAX_FRAMES = 20000
# Beyond those, the bytes a file may inflate or decode to (and a series' volume) are capped:
# see common.dicom_bounds. Every reading path (yomi render/inspect, the reading window,
# retrieval) passes through read_file_headers/dataset_headers and build_volume.
DEFAULT_LIMITS = DecodeLimits()


class VolumeError(Exception):
    """A series or file cannot become a volume; the message names the file or series at fault."""


class UnsupportedTransferSyntax(VolumeError):
    """Pixel data in a transfer syntax no installed decoder handles (e.g. retired JPEG 6/8, 10/12)."""


class VolumeCancelled(VolumeError):
    """The caller's progress callback asked to stop."""


class VolumeTooLarge(VolumeError):
    """A series whose voxels would take more memory than the configured cap."""


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be used, and why (one line, no personal data)."""

    path: str
    reason: str


def _text(ds: Dataset, keyword: str) -> str:
    """A header value as text, decoded with the dataset's Specific Character Set by pydicom."""
    try:
        value = ds.get(keyword)
    except Exception:  # an undecodable value must not hide the rest of the header
        return ""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MultiValue)):
        return "\\".join(str(v) for v in value)
    return str(value)


# Identity fields shown to the reader as text, and their attributes: decoded by
# common.charset_guess, which also reads bytes a wrong Specific Character Set mislabels
_DECODED_TEXT = {"patient_name": "PatientName", "study_description": "StudyDescription",
                 "series_description": "SeriesDescription", "institution": "InstitutionName"}


@dataclass(frozen=True)
class Identity:
    """What the banner shows; strings decoded with the file's Specific Character Set, or,
    where its bytes say otherwise, with the encoding they show (`charset_guess`, flagged).
    `blank_uids` names the UID attributes an anonymiser left empty (viewer.series_split)."""

    patient_name: str
    patient_id: str
    birth_date: str
    sex: str
    study_uid: str
    study_date: str
    study_description: str
    accession: str
    series_uid: str
    series_number: str
    series_description: str
    modality: str
    institution: str
    charset_guess: GuessedEncoding | None = None
    blank_uids: tuple[str, ...] = ()
    body_part: str = ""   # Body Part Examined (0018,0015): hanging protocols match on it
    issuer_of_patient_id: str = ""   # whose numbering the Patient ID is (priors are matched on both)

    @classmethod
    def from_dataset(cls, ds: Dataset) -> "Identity":
        decoded = {field: decode_element_text(ds, keyword) for field, keyword in _DECODED_TEXT.items()}
        guess = next((d.guess for d in decoded.values() if d.guess is not None), None)
        return cls(
            patient_name=decoded["patient_name"].text,
            patient_id=_text(ds, "PatientID"),
            birth_date=_text(ds, "PatientBirthDate"),
            sex=_text(ds, "PatientSex"),
            study_uid=_text(ds, "StudyInstanceUID"),
            study_date=_text(ds, "StudyDate"),
            study_description=decoded["study_description"].text,
            accession=_text(ds, "AccessionNumber"),
            series_uid=_text(ds, "SeriesInstanceUID"),
            series_number=_text(ds, "SeriesNumber"),
            series_description=decoded["series_description"].text,
            modality=_text(ds, "Modality"),
            institution=decoded["institution"].text,
            charset_guess=guess,
            blank_uids=blank_uids(ds),
            issuer_of_patient_id=_text(ds, "IssuerOfPatientID"),
            body_part=_text(ds, "BodyPartExamined"),
        )


@dataclass(frozen=True)
class FrameHeader:
    """Everything assembly needs about one image frame, read from the header only."""

    source: Any                      # Path, or the Dataset itself on the network path
    frame: int | None                # index into a multi-frame object, None for single-frame
    name: str                        # file name or "dataset <SOP UID>" for messages
    sop_uid: str
    series_uid: str
    identity: Identity
    transfer_syntax: str
    rows: int
    columns: int
    iop: tuple[float, ...] | None    # 6 direction cosines, or None when absent
    ipp: tuple[float, float, float] | None
    pixel_spacing: tuple[float, float] | None   # (row, column) mm
    spacing_source: str              # "PixelSpacing", "ImagerPixelSpacing" or ""
    slice_thickness: float | None
    spacing_between_slices: float | None
    slope: float
    intercept: float
    rescale_type: str
    windows: tuple[tuple[float, float, str], ...]
    kernel: str
    image_type: tuple[str, ...]
    acquisition_number: str
    instance_number: int
    frame_of_reference_uid: str
    photometric: str


def _floats(value: Any, n: int) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        items = list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]
        out = tuple(float(v) for v in items)
    except (TypeError, ValueError):
        raise ValueError("not numeric") from None
    if len(out) != n or not all(math.isfinite(v) for v in out):
        raise ValueError(f"expected {n} finite numbers, found {len(out)}")
    return out


def _float_or(value: Any, default: float | None) -> float | None:
    if value is None or value == "":
        return default
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def _item(seq_owner: Dataset | None, keyword: str) -> Dataset | None:
    """The first item of a functional-group sequence, or None."""
    if seq_owner is None:
        return None
    seq = seq_owner.get(keyword)
    if not seq:
        return None
    return seq[0]


def _windows(src: Dataset) -> tuple[tuple[float, float, str], ...]:
    """All (center, width, explanation) pairs, multi-valued Window Center/Width included."""
    centers, widths = src.get("WindowCenter"), src.get("WindowWidth")
    if centers is None or widths is None:
        return ()
    as_list = lambda v: list(v) if isinstance(v, (list, tuple, MultiValue)) else [v]  # noqa: E731
    cs, ws = as_list(centers), as_list(widths)
    expl = src.get("WindowCenterWidthExplanation")
    es = [str(e) for e in as_list(expl)] if expl is not None else []
    out = []
    for idx, (c, w) in enumerate(zip(cs, ws)):
        c_f, w_f = _float_or(c, None), _float_or(w, None)
        if c_f is None or w_f is None or w_f <= 0:
            continue
        out.append((c_f, w_f, es[idx] if idx < len(es) else ""))
    return tuple(out)


def _frame_value(per_frame: Dataset | None, shared: Dataset | None, group: str, keyword: str) -> Any:
    """A value from the per-frame functional group, falling back to the shared one."""
    for owner in (per_frame, shared):
        item = _item(owner, group)
        if item is not None and keyword in item:
            return item.get(keyword)
    return None


def _frames_of(ds: Dataset, name: str, source: Any, limits: DecodeLimits = DEFAULT_LIMITS) -> list[FrameHeader]:
    """Per-frame headers of an image object; raises ValueError with a one-line reason."""
    raw_frames = ds.get("NumberOfFrames", 1)
    try:
        n_frames = int(raw_frames) if raw_frames not in (None, "") else 1
    except (TypeError, ValueError):
        raise ValueError(f"invalid Number of Frames {str(raw_frames)[:16]!r}") from None
    sop_class = str(ds.get("SOPClassUID", ""))
    if sop_class in NOT_READING_IMAGES:
        raise _Skip(f"{NOT_READING_IMAGES[sop_class]}: not an image for reading")
    ts = str(getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID", "")) or ImplicitVRLittleEndian
    rows, columns = ds.get("Rows"), ds.get("Columns")
    if not isinstance(rows, int) or not isinstance(columns, int) or rows < 1 or columns < 1:
        raise ValueError("Rows/Columns missing or invalid")
    if rows > MAX_SIDE or columns > MAX_SIDE:
        raise ValueError(f"image of {rows}x{columns} exceeds the {MAX_SIDE} pixel limit")
    samples = ds.get("SamplesPerPixel", 1)
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if samples != 1 or photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise _Skip(f"colour image ({photometric or 'unknown photometric'}): not a grey-scale volume")
    if not 1 <= n_frames <= MAX_FRAMES:
        raise ValueError(f"Number of Frames {n_frames} out of range")
    # before any decoder allocates what the header promises
    decoded = declared_pixel_bytes(rows, columns, n_frames, samples, ds.get("BitsAllocated"))
    if decoded > limits.max_file_bytes:
        raise TooLarge(f"pixel data of {rows}x{columns}x{n_frames} frames", decoded, limits.max_file_bytes)

    shared = _item(ds, "SharedFunctionalGroupsSequence")
    per_frame_seq = ds.get("PerFrameFunctionalGroupsSequence")
    enhanced = per_frame_seq is not None
    if n_frames > 1 and not enhanced:
        raise _Skip("multi-frame object without per-frame positions: not a volume")
    if enhanced and len(per_frame_seq) != n_frames:
        raise ValueError(f"{len(per_frame_seq)} per-frame groups for {n_frames} frames")

    identity = Identity.from_dataset(ds)
    sop_uid = str(ds.get("SOPInstanceUID", ""))
    series_uid = series_key(ds, name)
    kernel = _text(ds, "ConvolutionKernel")
    if not kernel and shared is not None:
        recon = _item(shared, "CTReconstructionSequence")
        kernel = _text(recon, "ConvolutionKernel") if recon is not None else ""
    base_type = tuple(str(v).strip() for v in (ds.get("ImageType") or ()))
    inst = ds.get("InstanceNumber")
    try:
        instance_number = int(inst) if inst not in (None, "") else 0
    except (TypeError, ValueError):
        instance_number = 0
    out = []
    for f in range(n_frames):
        pf = per_frame_seq[f] if enhanced else None
        if enhanced:
            iop_v = _frame_value(pf, shared, "PlaneOrientationSequence", "ImageOrientationPatient")
            ipp_v = _frame_value(pf, shared, "PlanePositionSequence", "ImagePositionPatient")
            ps_v = _frame_value(pf, shared, "PixelMeasuresSequence", "PixelSpacing")
            st_v = _frame_value(pf, shared, "PixelMeasuresSequence", "SliceThickness")
            sbs_v = _frame_value(pf, shared, "PixelMeasuresSequence", "SpacingBetweenSlices")
            slope_v = _frame_value(pf, shared, "PixelValueTransformationSequence", "RescaleSlope")
            icpt_v = _frame_value(pf, shared, "PixelValueTransformationSequence", "RescaleIntercept")
            rtype_v = _frame_value(pf, shared, "PixelValueTransformationSequence", "RescaleType")
            voi = _item(pf, "FrameVOILUTSequence") or _item(shared, "FrameVOILUTSequence")
            windows = _windows(voi) if voi is not None else _windows(ds)
            ftype = _frame_value(pf, shared, "CTImageFrameTypeSequence", "FrameType") or _frame_value(
                pf, shared, "MRImageFrameTypeSequence", "FrameType")
            image_type = tuple(str(v).strip() for v in ftype) if ftype else base_type
        else:
            iop_v, ipp_v = ds.get("ImageOrientationPatient"), ds.get("ImagePositionPatient")
            ps_v = ds.get("PixelSpacing")
            st_v, sbs_v = ds.get("SliceThickness"), ds.get("SpacingBetweenSlices")
            slope_v, icpt_v, rtype_v = ds.get("RescaleSlope"), ds.get("RescaleIntercept"), ds.get("RescaleType")
            windows = _windows(ds)
            image_type = base_type
        try:
            iop = _floats(iop_v, 6)
            ipp = _floats(ipp_v, 3)
        except ValueError as exc:
            raise ValueError(f"invalid Image Orientation/Position (Patient): {exc}") from None
        if iop is not None and not _orthonormal(iop):
            raise ValueError("Image Orientation (Patient) is not two orthonormal vectors")
        if (iop is None) != (ipp is None):
            iop = ipp = None  # half a geometry is no geometry
        spacing_source = "PixelSpacing"
        try:
            ps = _floats(ps_v, 2)
        except ValueError:
            ps = None
        if ps is None and not enhanced:
            spacing_source = "ImagerPixelSpacing"
            try:
                ps = _floats(ds.get("ImagerPixelSpacing"), 2)
            except ValueError:
                ps = None
        if ps is not None and (ps[0] <= 0 or ps[1] <= 0):
            ps = None
        if ps is None:
            spacing_source = ""
        slope = _float_or(slope_v, 1.0) or 1.0
        out.append(FrameHeader(
            source=source, frame=f if (enhanced or n_frames > 1) else None, name=name,
            sop_uid=sop_uid, series_uid=series_uid, identity=identity, transfer_syntax=ts,
            rows=rows, columns=columns, iop=iop, ipp=ipp,  # type: ignore[arg-type]
            pixel_spacing=ps, spacing_source=spacing_source,  # type: ignore[arg-type]
            slice_thickness=_float_or(st_v, None), spacing_between_slices=_float_or(sbs_v, None),
            slope=slope, intercept=_float_or(icpt_v, 0.0) or 0.0,
            rescale_type=str(rtype_v or "").strip(), windows=windows, kernel=kernel,
            image_type=image_type, acquisition_number=str(ds.get("AcquisitionNumber", "") or ""),
            instance_number=instance_number,
            frame_of_reference_uid=str(ds.get("FrameOfReferenceUID", "") or ""),
            photometric=photometric,
        ))
    return out


class _Skip(Exception):
    """Not an error in the file: an object that is simply not an image volume (SR, SEG...)."""


def _native_truncation(path: Path, ds: Dataset) -> str | None:
    """For uncompressed pixel data, whether the file is shorter than its header promises."""
    ts = UID(str(ds.file_meta.get("TransferSyntaxUID", ImplicitVRLittleEndian)))
    if ts.is_compressed or ts.is_deflated:   # sizes in the file say nothing about decoded sizes
        return None
    elem = ds.get_item(0x7FE00010, keep_deferred=True)
    if elem is None:
        return None
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        expected = ds.Rows * ds.Columns * frames * ds.get("SamplesPerPixel", 1) * ds.BitsAllocated // 8
    except (TypeError, ValueError, AttributeError):
        return None
    tell = getattr(elem, "value_tell", None)
    if elem.value is None and tell is not None:   # deferred: what the file still holds
        available = min(int(elem.length), path.stat().st_size - tell)
    else:
        available = len(elem.value or b"")
    if available < expected:
        return f"pixel data truncated: {available} of {expected} bytes present"
    return None


def read_file_headers(path: Path, limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[list[FrameHeader], FileProblem | None]:
    """Frames of one file (header only, pixel data deferred), or the reason it is not usable."""
    name = str(path)
    try:
        with open(path, "rb") as fp:
            # pydicom inflates a deflated dataset whole before reading a tag: measure first
            check_deflated_part10(fp, limits.max_file_bytes, "")
        with warnings.catch_warnings():
            # invalid values (e.g. IS '1A') are reported by our own checks with the file name
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path, defer_size="4 KB")
            if str(ds.file_meta.get("MediaStorageSOPClassUID", "")) == DICOMDIR_SOP_CLASS:
                return [], FileProblem(name, "DICOMDIR (media index), not an image; its files are read directly")
            if "PixelData" not in ds:
                sop = str(ds.get("SOPClassUID", "") or ds.file_meta.get("MediaStorageSOPClassUID", ""))
                kind = UID(sop).name if sop else "unknown object"
                return [], FileProblem(name, f"no pixel data ({kind}): not an image")
            truncated = _native_truncation(path, ds)
            if truncated:
                return [], FileProblem(name, truncated)
            return _frames_of(ds, path.name, path, limits), None
    except InvalidDicomError:
        return [], FileProblem(name, "not a DICOM Part 10 file (no 'DICM' prefix / file meta)")
    except _Skip as exc:
        return [], FileProblem(name, str(exc))
    except TooLarge as exc:
        log.warning("refused %s: %s", path.name, exc)
        return [], FileProblem(name, f"too large: {exc}")
    except ValueError as exc:
        return [], FileProblem(name, f"invalid header: {exc}")
    except Exception as exc:  # truncated or malformed beyond pydicom's tolerance
        log.debug("unreadable file %s: %s", path.name, type(exc).__name__)
        return [], FileProblem(name, f"unreadable DICOM ({type(exc).__name__})")


def dataset_headers(ds: Dataset, limits: DecodeLimits = DEFAULT_LIMITS) -> tuple[list[FrameHeader], FileProblem | None]:
    """Frames of a dataset received over the network (pixel data included)."""
    name = f"dataset {ds.get('SOPInstanceUID', '?')}"
    if "PixelData" not in ds:
        sop = str(ds.get("SOPClassUID", ""))
        return [], FileProblem(name, f"no pixel data ({UID(sop).name if sop else 'unknown object'}): not an image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _frames_of(ds, name, ds, limits), None
    except _Skip as exc:
        return [], FileProblem(name, str(exc))
    except TooLarge as exc:
        log.warning("refused %s: %s", name, exc)
        return [], FileProblem(name, f"too large: {exc}")
    except ValueError as exc:
        return [], FileProblem(name, f"invalid header: {exc}")


def _orthonormal(iop: tuple[float, ...]) -> bool:
    """Two unit directions at right angles, within 0.01.

    Plain floats, not numpy: a numpy dot product lets go of the GIL and takes it back at once,
    and a thread doing that thousands of times a second keeps a waiting thread (the GUI's)
    from the GIL for as long as it goes on (CPython resets the waiter's request at each
    hand-back): 0.1-0.5 s while 1000 slices' metadata were read (measured)."""
    u, v = iop[:3], iop[3:]
    return (abs(math.hypot(*u) - 1) <= 0.01 and abs(math.hypot(*v) - 1) <= 0.01
            and abs(sum(a * b for a, b in zip(u, v))) <= 0.01)


def planned_headers(meta: Dataset, limits: DecodeLimits = DEFAULT_LIMITS) -> list[FrameHeader]:
    """Frames an instance will have, from its metadata (no pixel data): what lets a volume
    be laid out before the pixels arrive. Their `source` is None: nothing to decode. An
    object that is not an image, or whose metadata do not say enough, plans no frame."""
    name = f"dataset {meta.get('SOPInstanceUID', '?')}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _frames_of(meta, name, None, limits)
    except (_Skip, TooLarge, ValueError):
        return []


def iter_files(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files under the given paths, folders recursed in a stable order, hidden entries skipped."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(p).parts):
                    yield child
        elif p.is_file():
            yield p
        else:
            raise VolumeError(f"{p}: no such file or folder")


def check_decodable(frame: FrameHeader) -> None:
    """Raise UnsupportedTransferSyntax if no installed plugin decodes this frame's syntax."""
    from pydicom.pixels.decoders.base import get_decoder

    ts = UID(frame.transfer_syntax)
    try:
        ok = get_decoder(ts).is_available
    except NotImplementedError:
        ok = False
    if not ok:
        raise UnsupportedTransferSyntax(
            f"{frame.name}: transfer syntax {ts.name} ({ts}) cannot be decoded by the installed "
            "DICOM decoders; ask the sender for an uncompressed or lossless JPEG/JPEG 2000 copy")


def decode_frames(frames: list[FrameHeader]) -> Iterator[tuple[FrameHeader, np.ndarray]]:
    """Stored values of each frame (no rescale), reading each file once, in the given order."""
    import pydicom.pixels as px

    # Explicit pixel options: stored values as stored (rescale is ours to apply, per frame),
    # never a colour conversion, the current (v3) decoding backend.
    options: dict[str, Any] = {"raw": False, "as_rgb": False}
    current_src: Any = None
    current_ds: Dataset | None = None
    for fr in frames:
        try:
            if fr.source is not current_src:
                current_src = fr.source
                current_ds = fr.source if isinstance(fr.source, Dataset) else pydicom.dcmread(fr.source)
            arr = px.pixel_array(current_ds, index=fr.frame, **options)
        except UnsupportedTransferSyntax:
            raise
        except Exception as exc:
            raise VolumeError(f"{fr.name}: cannot decode pixel data ({UID(fr.transfer_syntax).name}): "
                              f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}") from None
        if arr.shape != (fr.rows, fr.columns):
            raise VolumeError(f"{fr.name}: decoded frame is {arr.shape}, header says {fr.rows}x{fr.columns}")
        yield fr, arr
