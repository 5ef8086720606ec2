"""Hostile DICOM objects built by the tests themselves (nothing of this is shipped as data).

Each is small on disk and enormous once trusted: a deflate bomb (a few MB inflating to GiBs,
made of identical full-flush deflate blocks so that building it costs 16 MiB of zeros
compressed once), and headers declaring dimensions no decoder should allocate.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset, write_file_meta_info
from pydicom.uid import (
    CTImageStorage,
    DeflatedExplicitVRLittleEndian,
    EnhancedCTImageStorage,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    generate_uid,
)

GIB = 1024 ** 3
_BLOCK = 16 * 1024 * 1024


def _image(sop_class: str = CTImageStorage, rows: int = 64, columns: int = 64, study: str | None = None,
           series: str | None = None, z: float = 0.0) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = study or generate_uid()
    ds.SeriesInstanceUID = series or generate_uid()
    ds.Modality = "CT"
    ds.PatientName = "Hostile^Fixture"
    ds.PatientID = "HOSTILE-1"
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [0.0, 0.0, z]
    ds.PixelSpacing = [0.5, 0.5]
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    return ds


def _meta(ds: Dataset, ts: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = generate_uid()
    return meta


def deflate_bomb(path: Path, inflated_bytes: int = 3 * GIB) -> Path:
    """A Deflated Explicit VR Little Endian file whose dataset inflates to `inflated_bytes`
    (a header, then Pixel Data of zeros); on disk about 1/1000 of that."""
    ds = _image()
    body = DicomBytesIO()
    body.is_little_endian, body.is_implicit_VR = True, False
    write_dataset(body, ds)
    zeros = inflated_bytes - len(body.getvalue()) - 12
    assert 0 < zeros < 0xFFFFFFFF
    pixel_header = struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\x00\x00" + struct.pack("<I", zeros)
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    with open(path, "wb") as f:
        f.write(b"\x00" * 128 + b"DICM")
        meta_buf = DicomBytesIO()
        meta_buf.is_little_endian, meta_buf.is_implicit_VR = True, False
        write_file_meta_info(meta_buf, _meta(ds, DeflatedExplicitVRLittleEndian), enforce_standard=True)
        f.write(meta_buf.getvalue())
        f.write(c.compress(body.getvalue() + pixel_header) + c.flush(zlib.Z_FULL_FLUSH))
        full, rest = divmod(zeros, _BLOCK)
        # after a full flush the compressor starts afresh: every block of zeros compresses
        # to the same bytes, so one is compressed and written `full` times
        block = c.compress(bytes(_BLOCK)) + c.flush(zlib.Z_FULL_FLUSH)
        for _ in range(full):
            f.write(block)
        f.write(c.compress(bytes(rest)) + c.flush(zlib.Z_FINISH))
    return path


def deflated_copy(src: Path, dst: Path) -> Path:
    """`src` re-written in Deflated Explicit VR Little Endian (e.g. a malformed file of
    shared/data/bad, to pass it through the inflate check as well)."""
    ds = pydicom.dcmread(src, force=True)
    ds.file_meta = _meta(ds, DeflatedExplicitVRLittleEndian) if "SOPClassUID" in ds else ds.file_meta
    ds.save_as(dst, enforce_file_format=False)
    return dst


def declared_huge(path: Path, rows: int, columns: int, frames: int = 1, bits: int = 16,
                  study: str | None = None, series: str | None = None, z: float = 0.0) -> Path:
    """A JPEG 2000 file whose header declares rows x columns x frames at `bits`, with one tiny
    fragment per frame: a few hundred bytes on disk (compressed data tell nothing of size)."""
    ds = _image(EnhancedCTImageStorage if frames > 1 else CTImageStorage, rows, columns, study, series, z)
    ds.BitsAllocated = bits
    ds.BitsStored = ds.HighBit + 1 if bits >= 16 else bits
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = encapsulate([b"\xff\x4f\xff\x51" + bytes(12)] * min(frames, 4))
    ds["PixelData"].VR = "OB"
    ds.file_meta = _meta(ds, JPEG2000Lossless)
    ds.save_as(path, enforce_file_format=True)
    return path


def part10_bytes(ds: Dataset, ts: str = ExplicitVRLittleEndian) -> bytes:
    ds.file_meta = _meta(ds, ts)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
