"""Key images: views the reader marked, as they looked on screen (no Qt).

A key image references the image on screen (SOP Class/Instance UID, frame, series) and holds
the rendered view as PNG, measurements and orientation labels burned in, with a caption. It
goes into the signed PDF (small, captioned), the report preview, and the Key Object Selection
document sent with the SR (app/report/kos.py).

The PNG is held base64-encoded, as the draft JSON stores it: undo snapshots and saved drafts
then share one string per image instead of re-encoding it at every change.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Mapping

from common.uids import is_valid_uid

from .errors import FieldValueError

__all__ = ["KeyImage", "MAX_PNG_BYTES", "MAX_KEY_IMAGES", "CAPTION_MAX", "encode_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_BYTES = 4 * 1024 * 1024   # a 1024 px CT view with overlays is well under 1 MiB
MAX_KEY_IMAGES = 24
CAPTION_MAX = 200


@dataclass(frozen=True)
class KeyImage:
    sop_class_uid: str
    sop_instance_uid: str
    series_uid: str
    frame: int | None          # 1-based frame of a multi-frame image, None for a single-frame one
    png_b64: str
    caption: str = ""
    plane: str = "axial"
    slice_index: int = 0       # 0-based, along the view's own axis (what the view's status shows + 1)

    def __post_init__(self) -> None:
        for name in ("sop_class_uid", "sop_instance_uid", "series_uid"):
            if not is_valid_uid(getattr(self, name)):
                raise FieldValueError(f"key image: {name} is not a valid UID")
        if self.frame is not None and (isinstance(self.frame, bool) or not isinstance(self.frame, int)
                                       or self.frame < 1):
            raise FieldValueError("key image: frame must be a number from 1")
        if len(self.caption) > CAPTION_MAX:
            raise FieldValueError(f"key image: caption longer than {CAPTION_MAX} characters")
        png = self.png  # checks the encoding
        if not png.startswith(PNG_SIGNATURE):
            raise FieldValueError(f"key image of {self.sop_instance_uid}: not a PNG")
        if len(png) > MAX_PNG_BYTES:
            raise FieldValueError(f"key image of {self.sop_instance_uid}: PNG larger than {MAX_PNG_BYTES} bytes")

    @classmethod
    def from_png(cls, png: bytes, *, sop_class_uid: str, sop_instance_uid: str, series_uid: str,
                 frame: int | None = None, caption: str = "", plane: str = "axial",
                 slice_index: int = 0) -> "KeyImage":
        return cls(sop_class_uid, sop_instance_uid, series_uid, frame, base64.b64encode(png).decode("ascii"),
                   caption, plane, slice_index)

    @property
    def png(self) -> bytes:
        try:
            return base64.b64decode(self.png_b64, validate=True)
        except (binascii.Error, ValueError):
            raise FieldValueError(f"key image of {self.sop_instance_uid}: PNG data not base64") from None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels, from the PNG header."""
        import struct

        return struct.unpack(">II", self.png[16:24])

    def fit(self, box_w: int, box_h: int) -> tuple[int, int]:
        """Display size inside a box, aspect kept (a tall MPR view must not fill a PDF page)."""
        w, h = self.size
        scale = min(box_w / w, box_h / h)
        return max(1, round(w * scale)), max(1, round(h * scale))

    def with_caption(self, caption: str) -> "KeyImage":
        return KeyImage(self.sop_class_uid, self.sop_instance_uid, self.series_uid, self.frame, self.png_b64,
                        caption, self.plane, self.slice_index)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "KeyImage":
        try:
            frame = d.get("frame")
            return cls(str(d["sop_class_uid"]), str(d["sop_instance_uid"]), str(d["series_uid"]),
                       int(frame) if frame is not None else None, str(d["png_b64"]), str(d.get("caption", "")),
                       str(d.get("plane", "axial")), int(d.get("slice_index", 0)))
        except (KeyError, TypeError, ValueError) as exc:
            raise FieldValueError(f"key image: {exc.__class__.__name__} in stored data") from None


def encode_png(rgb: Any, max_side: int = 1024) -> bytes:
    """An (h, w, 3) uint8 array as PNG bytes, scaled down by whole steps to at most `max_side`
    pixels a side (a key image is shown small; the KOS points to the full image). Pure zlib:
    it runs on a worker, without Qt."""
    import struct
    import zlib

    import numpy as np

    arr = np.ascontiguousarray(rgb, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise FieldValueError("key image: expected an RGB image")
    step = max(1, -(-max(arr.shape[:2]) // max_side))
    arr = np.ascontiguousarray(arr[::step, ::step])
    h, w, _ = arr.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = np.concatenate([np.zeros((h, 1), np.uint8), arr.reshape(h, w * 3)], axis=1)  # filter byte 0 per row
    return (PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))
