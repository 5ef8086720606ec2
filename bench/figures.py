"""One benchmark figure: repeated runs of Yomi beside its floor, measured in the same run."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Runs:
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    def text(self, unit: str) -> str:
        if not self.values:
            return "–"
        scale, suffix = (1000.0, "ms") if unit == "s" and self.median < 1 else (1.0, unit)
        lo, hi = min(self.values) * scale, max(self.values) * scale
        return f"{self.median * scale:.{_digits(self.median * scale)}f} {suffix} ({lo:.{_digits(lo)}f}–{hi:.{_digits(hi)}f})"


def _digits(v: float) -> int:
    return 0 if abs(v) >= 100 else (1 if abs(v) >= 10 else 2)


@dataclass
class Figure:
    """`ours` against `floor` (same unit); `target` is the largest ratio ours/floor allowed,
    or with `absolute` the largest value of ours."""

    name: str
    unit: str = "s"
    ours: Runs = field(default_factory=Runs)
    floor: Runs = field(default_factory=Runs)
    floor_name: str = ""
    target: float | None = None
    absolute: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.floor.values or not self.ours.values or self.floor.median == 0:
            return None
        return self.ours.median / self.floor.median

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        value = self.ours.median if self.absolute else self.ratio
        return None if value is None else value <= self.target

    def row(self) -> str:
        ratio = f"{self.ratio:.2f}×" if self.ratio is not None else "–"
        if self.target is None:
            goal = "–"
        elif self.absolute:
            goal = f"≤ {self.target:g} {self.unit}"
        else:
            goal = f"≤ {self.target:g}×"
        met = {True: "met", False: "**not met**", None: "–"}[self.met]
        floor = f"{self.floor_name}: {self.floor.text(self.unit)}" if self.floor_name else "–"
        note = f" {self.note}" if self.note else ""
        return f"| {self.name} | {self.ours.text(self.unit)} | {floor} | {ratio} | {goal} | {met}{note} |"


HEADER = ("| figure | Yomi: median (min–max) | floor, same run | ratio | target | |\n"
          "|---|---|---|---|---|---|")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out
