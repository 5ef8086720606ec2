"""glibc's mmap threshold fixed at start-up, so freed instances go back to the system.

What it does to a study's memory is measured by the benchmark (bench/window_child.py: the
reading window held 2.6 GB less with a 3000-slice study open, bench/RESULTS.md); a test
process's own churn does not reproduce the fragmentation of forty thread arenas, so here
only glibc's acceptance of the setting is checked, and the no-op elsewhere.
"""
from __future__ import annotations

import platform
import sys

import pytest

from common import allocator


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="glibc's allocator only")
def test_glibc_takes_the_fixed_threshold() -> None:
    assert allocator.return_large_blocks() is True


def test_elsewhere_nothing_is_touched(monkeypatch) -> None:
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.return_large_blocks() is False
