"""How many bytes a DICOM object will cost once inflated or decoded, known before paying it.

Two attacks need no bug in a decoder, only trust in a header (security.md row 21, bombs):
a Deflated Explicit VR Little Endian file of 2 MB inflates to gigabytes (pydicom inflates the
whole dataset at read time, in one piece), and a header may declare 16384 x 16384 x 20000
frames. `check_inflated_size` inflates in bounded chunks, keeping nothing, and stops at the
cap; `declared_pixel_bytes` is the size the declared dimensions imply. Both are used by the
viewer (files) and the retrieval (instances from a server), which never import each other.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["DEFLATED_TS", "MIB", "GIB", "DecodeLimits", "TooLarge", "check_deflated_part10",
           "check_inflated_size", "declared_pixel_bytes"]

MIB = 1024 * 1024
GIB = 1024 * MIB
DEFLATED_TS = "1.2.840.10008.1.2.1.99"   # the one syntax pydicom inflates whole at read time
_IN_CHUNK = 256 * 1024
_OUT_CHUNK = 4 * MIB


@dataclass(frozen=True)
class DecodeLimits:
    """Caps on what reading costs. The defaults hold any real CT/MR/CR object and a
    3000-slice 512 x 512 CT (1.5 GiB as int16) while keeping a bomb far from a station's RAM."""

    max_file_bytes: int = 512 * MIB       # one object: inflated dataset, and its decoded pixels
    max_series_bytes: int = 2 * GIB       # one volume's voxels, as allocated

    def __post_init__(self) -> None:
        if self.max_file_bytes <= 0 or self.max_series_bytes <= 0:
            raise ValueError("decode limits must be positive")


class TooLarge(ValueError):
    """An object (or series) would cost more than its cap; `what` says which and how."""

    def __init__(self, what: str, size: int, cap: int, *, at_least: bool = False) -> None:
        shown = f"more than {_human(size)}" if at_least else _human(size)
        super().__init__(f"{what} would take {shown}, over the {_human(cap)} limit")
        self.what, self.size, self.cap = what, size, cap


def _human(n: int) -> str:
    if n >= GIB:
        return f"{n / GIB:.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    return f"{n} bytes"


def check_inflated_size(deflated: BinaryIO, cap: int, what: str = "deflated dataset") -> int:
    """Inflate a raw-deflate stream from its current position to the end, in chunks, counting
    and discarding the output; raise TooLarge as soon as it passes `cap`. Returns the size.
    A stream that is not valid deflate raises ValueError (pydicom would fail on it too)."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    while True:
        data = deflated.read(_IN_CHUNK)
        if not data:
            break
        while data:
            try:
                out = inflater.decompress(data, _OUT_CHUNK)
            except zlib.error as exc:
                raise ValueError(f"{what}: not valid deflate data ({exc})") from None
            total += len(out)
            if total > cap:
                raise TooLarge(what, total, cap, at_least=True)
            data = inflater.unconsumed_tail
            if inflater.eof:
                return total
    total += len(inflater.flush())
    if total > cap:
        raise TooLarge(what, total, cap, at_least=True)
    return total


def declared_pixel_bytes(rows: object, columns: object, frames: object = 1, samples: object = 1,
                         bits_allocated: object = 16) -> int:
    """Rows x Columns x Number of Frames x Samples per Pixel x Bits Allocated / 8, from header
    values as read (ValueError when one is missing, not a number or not positive)."""
    values = []
    for name, v in (("Rows", rows), ("Columns", columns), ("Number of Frames", frames),
                    ("Samples per Pixel", samples), ("Bits Allocated", bits_allocated)):
        try:
            n = int(v)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise ValueError(f"{name} {str(v)[:16]!r} is not a number") from None
        if n < 1:
            raise ValueError(f"{name} {n} is not positive")
        values.append(n)
    r, c, f, s, b = values
    return (r * c * f * s * b + 7) // 8


def dcmread_bounded(fp: BinaryIO, cap: int, what: str, **kw):  # -> pydicom.Dataset
    """`pydicom.dcmread(fp, **kw)` once a deflated dataset, if any, is known to inflate within
    `cap` (pydicom inflates it whole, even for the header alone); raises TooLarge naming `what`."""
    import pydicom

    check_deflated_part10(fp, cap, what)
    ds = pydicom.dcmread(fp, **kw)
    # pydicom 3 keeps the buffer a dataset was read from (FileDataset.buffer): for an instance
    # received into memory, all its bytes, pixel data included, for as long as its header is
    # kept. The window keeps every instance's header: 150 MB more for a 300-slice study (measured).
    ds.buffer = None
    return ds


def check_deflated_part10(fp: BinaryIO, cap: int, what: str) -> None:
    """For a Part 10 stream in Deflated Explicit VR Little Endian, raise TooLarge if its
    dataset inflates past `cap`; other syntaxes (and non-Part 10 data) pass untouched.
    The stream is rewound to where it was."""
    from pydicom.errors import InvalidDicomError
    from pydicom.filereader import _read_file_meta_info, read_preamble

    start = fp.tell()
    try:
        try:
            read_preamble(fp, False)
            meta = _read_file_meta_info(fp)
        except InvalidDicomError:
            return  # not Part 10: pydicom's own read reports it
        except Exception:  # a broken file meta: pydicom's own read reports it too
            return
        if str(meta.get("TransferSyntaxUID", "")).strip() == DEFLATED_TS:
            check_inflated_size(fp, cap, f"{what}: inflated dataset" if what else "inflated dataset")
    finally:
        fp.seek(start)
