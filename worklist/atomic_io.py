"""Kept for the many callers in app/ that import `worklist.atomic_io`: the one implementation
is `common.atomic` (new code imports it from there)."""
from __future__ import annotations

from common.atomic import fsync_dir, write_atomic

__all__ = ["write_atomic", "fsync_dir"]
