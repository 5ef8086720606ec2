"""Compressed frames decoded on every core, in worker processes.

The JPEG 2000 and JPEG decoders hold the interpreter while they work, so threads decode
one frame at a time whatever the cores (1000 JPEG 2000 slices: 23 s on one core, the other
idle; bench/RESULTS.md). Worker processes do not share the interpreter: each is sent the
frame's dataset (compressed, a few hundred kB) and sends back the stored values. They are
started by a fork server (never forked from a process whose Qt and VTK threads run), at
background priority, and only for a series that is compressed; uncompressed frames are
read where they are, which is faster than sending them anywhere.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from common.background import BACKGROUND_NICENESS

__all__ = ["DecodePool", "is_compressed"]


def is_compressed(transfer_syntax: str) -> bool:
    try:
        return UID(transfer_syntax).is_compressed
    except ValueError:
        return False


def _start_worker() -> None:
    try:
        os.nice(BACKGROUND_NICENESS)
    except OSError:  # a sandbox may forbid it; the frames are decoded all the same
        pass


def _stored_values(ds: Dataset, frame: int | None) -> np.ndarray:
    import pydicom.pixels as px

    # the options decode_frames uses: stored values, no colour conversion
    return px.pixel_array(ds, index=frame, raw=False, as_rgb=False)


class DecodePool:
    """`submit(dataset, frame)` -> a Future of the frame's stored values (ndarray)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                            initializer=_start_worker)

    def submit(self, ds: Dataset, frame: int | None) -> cf.Future:
        return self._pool.submit(_stored_values, ds, frame)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
