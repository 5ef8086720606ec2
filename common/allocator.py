"""Large blocks go straight back to the operating system when freed (glibc's allocator).

A study arrives as hundreds to thousands of instances of ~0.5 MB each (received bodies, their
pixel data, encrypted cache copies), each freed within moments of its arrival. glibc serves a
block of 128 KiB or more with a mapping of its own, returned when freed, but raises that
threshold to the size of each such block freed (up to 32 MiB): from the first instance on,
every later one is carved from a thread's heap arena instead, and the arenas keep what is
freed. Measured with a 300-slice study (150 MiB of voxels) open in the reading window: 310 MiB
held in four arenas, 205 MiB of it free (bench/RESULTS.md); with the threshold fixed, the
window held 200 MiB less. `malloc_trim` at the right moments would do it too, but nothing
says when those are; a fixed threshold needs no moment.

Call `return_large_blocks()` once at start-up. Elsewhere than glibc it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

__all__ = ["MMAP_THRESHOLD", "return_large_blocks"]

log = logging.getLogger(__name__)

MMAP_THRESHOLD = 256 * 1024  # bytes: a DICOM slice's pixels (512x512x2) and up are mapped
_M_MMAP_THRESHOLD = -3       # mallopt parameter numbers, <malloc.h>


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold (which also stops its dynamic raising); True if set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl or another libc: its own policy stands
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    if not ok:
        log.debug("mallopt(M_MMAP_THRESHOLD) refused")
    return ok
