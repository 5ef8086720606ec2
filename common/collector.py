"""Python's cyclic garbage collector kept out of a burst of acyclic allocations.

A full collection walks every tracked object and holds the GIL while it does, so every
thread waits, the GUI thread included. Parsing a large series' metadata (11 MB of DICOM JSON
for 1000 instances: some 300 000 dicts, lists and values, no reference cycles) triggered two
full collections of 150-200 ms each while a study opened (bench/bench_gui_stall.py). Within
`paused()`, the objects are freed by reference counting as always; only the cycle search waits.

What is still alive when the last block ends is frozen (`gc.freeze`) before the collector
comes back: left in the youngest generation, the 300 000 objects were walked by the first
collections after the block instead (measured: 98 ms, then 128 ms, in the next 0.2 s). They
are the load's headers, kept until the study closes.

Frozen objects are never walked again, so garbage in a reference cycle that was alive when
frozen is never freed: `freeze()` is only for what reference counting frees alone. pydicom's
multi-valued elements are such a cycle (the element holds its MultiValue, which holds the
element's bound `_convert`): 12 per slice, 45 000 objects and 10 MB left behind at each
opening of a 1000-slice study (bench/RESULTS.md). `freeze()` first makes pydicom build them
with a converter that holds the VR and validation mode only, the element's own conversion.
"""
from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["freeze", "paused"]

_lock = threading.Lock()
_pausing = 0          # how many paused() blocks are running, in any thread
_was_enabled = False  # the collector's state when the first of them began


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic collection inside; nested and concurrent blocks keep it off until the
    last of them ends, which gives back the state found by the first."""
    global _pausing, _was_enabled
    with _lock:
        if _pausing == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _lock:
            _pausing -= 1
            if _pausing == 0 and _was_enabled:
                freeze()
                gc.enable()


def freeze() -> None:
    """`gc.freeze()`, with pydicom's multi-valued elements made acyclic (module docstring)."""
    _acyclic_multivalues()
    gc.freeze()


class _Convert:
    """What a multi-valued element's items are converted with: `DataElement._convert` of an
    element of this VR and validation mode, holding no element."""

    __slots__ = ("VR", "validation_mode")

    def __init__(self, vr: str, validation_mode: int) -> None:
        self.VR = vr
        self.validation_mode = validation_mode

    def validate(self, value) -> None:
        from pydicom.dataelem import DataElement

        DataElement.validate(self, value)  # type: ignore[arg-type]

    def __call__(self, value):
        from pydicom.dataelem import DataElement

        return DataElement._convert(self, value)  # type: ignore[arg-type]

    def __reduce__(self):
        return _Convert, (self.VR, self.validation_mode)


_installed = False


def _acyclic_multivalues() -> None:
    global _installed
    if _installed:
        return
    from pydicom.dataelem import DataElement
    from pydicom.multival import MultiValue

    built = DataElement._convert_value

    def convert_value(self, val):
        out = built(self, val)
        if isinstance(out, MultiValue) and getattr(out._constructor, "__self__", None) is self:
            out._constructor = _Convert(self.VR, self.validation_mode)
        return out

    DataElement._convert_value = convert_value
    _installed = True
