"""A virtual X screen whose pixels a test can read without any X client tool.

Xvfb's `-fbdir DIR` keeps the screen's framebuffer in DIR/Xvfb_screen0 as an XWD image
(X Window Dump: a big-endian header, a colour map, then the rows); `Screen.pixels()` reads
it into an RGB array. Used to see what the installed bundle's `yomi --demo` drew.
"""
from __future__ import annotations

import os
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["Screen"]

_HEADER_FIELDS = ("header_size", "file_version", "pixmap_format", "pixmap_depth", "pixmap_width", "pixmap_height",
                  "xoffset", "byte_order", "bitmap_unit", "bitmap_bit_order", "bitmap_pad", "bits_per_pixel",
                  "bytes_per_line", "visual_class", "red_mask", "green_mask", "blue_mask", "bits_per_rgb",
                  "colormap_entries", "ncolors")


def _read_xwd(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    h = dict(zip(_HEADER_FIELDS, struct.unpack(">20I", raw[:80])))
    if h["bits_per_pixel"] != 32:
        raise ValueError(f"{path}: {h['bits_per_pixel']} bits per pixel; start Xvfb with a 24-bit screen")
    start = h["header_size"] + 12 * h["ncolors"]
    rows = np.frombuffer(raw, dtype=np.uint8, count=h["bytes_per_line"] * h["pixmap_height"], offset=start)
    px = rows.reshape(h["pixmap_height"], h["bytes_per_line"] // 4, 4)[:, :h["pixmap_width"]]
    # byte_order 0 (LSBFirst): each 32-bit pixel is B, G, R, X in memory
    return px[..., [2, 1, 0]].copy() if h["byte_order"] == 0 else px[..., [1, 2, 3]].copy()


class Screen:
    """`with Screen() as s:` an Xvfb display (s.display, e.g. ":7") and its pixels."""

    def __init__(self, size: str = "1280x1024x24") -> None:
        self.size = size
        self.dir = Path(tempfile.mkdtemp(prefix="yomi-xvfb-"))
        self.display = ""
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> Screen:
        r, w = os.pipe()
        self._proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", self.size, "-fbdir", str(self.dir), "-nolisten", "tcp"],
            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        with os.fdopen(r) as f:  # Xvfb writes the display number once it accepts clients
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        return self

    def pixels(self) -> np.ndarray:
        return _read_xwd(self.dir / "Xvfb_screen0")

    def wait_for_window(self, proc: subprocess.Popen, *, settled: bool = True, give_up_s: float = 180,
                        poll_s: float = 0.05) -> np.ndarray | None:
        """The screen once `proc` has drawn a window on it (more than 1% of the black screen lit;
        with `settled`, also unchanged between two looks), or None if `proc` ended or
        `give_up_s` passed first."""
        previous = None
        end = time.monotonic() + give_up_s
        while time.monotonic() < end and proc.poll() is None:
            frame = self.pixels()
            if (frame.sum(axis=-1) > 0).mean() > 0.01:
                if not settled or (previous is not None and np.array_equal(frame, previous)):
                    return frame
                previous = frame
            time.sleep(poll_s)
        return None

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=30)
        for f in self.dir.iterdir():
            f.unlink()
        self.dir.rmdir()
