"""Yomi's benchmarks, one command (needs a display; re-runs itself under xvfb-run if none):

    .venv/bin/python -m bench [--sizes 300,1000,3000] [--runs 5] [--only NAMES] [--record]

Starts its own Orthanc (DICOMweb) on loopback, builds the 300 / 1000 / 3000-slice studies
and a JPEG 2000 copy of the 1000 from the real chest CT (bench/studies.py, kept in the
cache folder `--work`), then measures, each figure the median of `--runs` runs with min
and max, beside its floor measured in the same run:
  retrieval  full study over DICOMweb to a readable volume vs curl + native decode on two
             cores, and vs the dicomweb-client peer (bench/retrieval.py)
  window     the reading window: first slice on screen, full study, longest GUI stall
             (heartbeat), peak memory and memory over open/close cycles (bench/window_child.py)
  j2k        1000 JPEG 2000 slices to a volume vs sequential single-core decode
  render     view updates vs a bare vtkImageResliceMapper (bench/render.py)
  startup    start-up to the login window vs bare imports (bench/startup.py)
`--record` appends the table, with the machine and date, to bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import HEADER, Figure, timed

REPO = Path(__file__).resolve().parents[1]
ALL = ("retrieval", "window", "j2k", "render", "startup")


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 2**20
    import pydicom
    import vtkmodules
    from PySide6 import __version__ as pyside
    return (f"{os.cpu_count()} CPU {cpu}, {mem:.0f} GiB, no GPU (Mesa llvmpipe), Python {platform.python_version()}, "
            f"VTK {vtkmodules.__version__}, PySide6 {pyside}, pydicom {pydicom.__version__}, load average at start "
            f"{os.getloadavg()[0]:.2f}")


def _window(server, study, runs: int, cycles: int) -> list[Figure]:
    out = subprocess.run([sys.executable, "-m", "bench.window_child", server.dicomweb_url, server.user,
                          server.password, study.study_uid, str(study.slices), str(runs), str(cycles)],
                         check=True, stdout=subprocess.PIPE, text=True, cwd=REPO).stdout  # stderr: the stall stacks
    got = json.loads(out.strip().splitlines()[-1])
    first = Figure(f"reading window, first slice on screen, {study.label}", target=0.5, absolute=True)
    full = Figure(f"reading window, full study on screen, {study.label}")
    stall = Figure(f"reading window, longest GUI stall while opening, {study.label}", target=0.1, absolute=True)
    for r in got["runs"]:
        first.ours.add(r["first"])
        full.ours.add(r["full"])
        stall.ours.add(r["stall"])
    figures = [first, full, stall]
    voxels = got["voxel_bytes"]
    peak = Figure(f"peak RSS, {study.label} open ({voxels / 2**20:.0f} MiB of voxels)", unit="MiB",
                  floor_name="voxels × 1.3 + 400 MiB", target=1.0)
    peak.ours.add(got["peak_rss"] / 2**20)
    peak.floor.add(voxels * 1.3 / 2**20 + 400)
    figures.append(peak)
    if got.get("cycle_rss"):
        rss = got["cycle_rss"]
        grow = Figure(f"RSS growth over {len(rss)} openings in one window, {study.label}", unit="MiB", target=50,
                      absolute=True, note=f"(after the first: {rss[0] / 2**20:.0f} MiB)")
        grow.ours.add((rss[-1] - rss[0]) / 2**20)
        figures.append(grow)
    return figures


def _j2k(server, study, runs: int, work: Path) -> list[Figure]:
    import concurrent.futures as cf

    import pydicom

    from bench.retrieval import decode_files, yomi_load

    fig = Figure(f"{study.label} slices to a volume over DICOMweb", floor_name="sequential decode on one core",
                 target=0.6)
    # What two cores give this decoder at all: the same decode in two processes, nothing else
    # running. Where this ratio is above the target, the target cannot be met on the machine.
    limit = Figure(f"{study.label} slices decoded alone in 2 processes (the machine's limit)",
                   floor_name="sequential decode on one core", target=0.6)
    files = study.files
    with cf.ProcessPoolExecutor(2) as pool:
        list(pool.map(abs, [1, 2]))  # the workers exist before the clock starts
        for _ in range(runs):
            sequential = timed(lambda: [pydicom.dcmread(f).pixel_array for f in files])[0]
            fig.floor.add(sequential)
            limit.floor.add(sequential)
            limit.ours.add(decode_files(pool, files))
            fig.ours.add(yomi_load(server, study, work))
    return [fig, limit]


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--sizes", default="300,1000,3000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cycles", type=int, default=20, help="open/close cycles of the largest study")
    ap.add_argument("--only", default=",".join(ALL))
    ap.add_argument("--work", type=Path, default=Path.home() / ".cache" / "yomi-bench")
    ap.add_argument("--record", action="store_true", help="append the table to bench/RESULTS.md")
    args = ap.parse_args()
    if not os.environ.get("DISPLAY") and shutil.which("xvfb-run"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", sys.executable, "-m", "bench",
                               *sys.argv[1:]])
    only = set(args.only.split(","))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    sys.path.insert(0, str(REPO))
    from bench import render, retrieval, startup, studies
    from tests.fixtures.orthanc import start_orthanc

    machine = _machine()
    print(machine, flush=True)
    args.work.mkdir(parents=True, exist_ok=True)
    built = {n: studies.build(args.work, n) for n in sizes}
    j2k = studies.build(args.work, 1000, j2k=True) if "j2k" in only else None
    figures: list[Figure] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        tmp = Path(tmp)
        server = start_orthanc(tmp / "orthanc", extra_config={"HttpThreadsCount": 16})
        try:
            for n in sizes:
                studies.upload(server, built[n])
            if j2k is not None:
                studies.upload(server, j2k)

            def report(new: list[Figure]) -> None:
                figures.extend(new)
                for f in new:
                    print(f.row(), flush=True)

            print(HEADER)
            if "startup" in only:
                report(startup.measure(args.runs))
            for n in sizes:
                if "retrieval" in only:
                    report(retrieval.measure(server, built[n], args.runs, tmp))
                if "window" in only:
                    report(_window(server, built[n], args.runs, args.cycles if n == max(sizes) else 0))
            if j2k is not None:
                report(_j2k(server, j2k, args.runs, tmp))
            if "render" in only:
                from viewer.volume import load_volume
                for n in [s for s in sizes if s >= 1000] or sizes[-1:]:
                    volume = load_volume(built[n].folder)
                    report(render.measure(volume, f"{n} slices", args.runs))
                    del volume
        finally:
            server.stop()
    took = time.perf_counter() - started
    print(f"({took / 60:.1f} min)")
    if args.record:
        with open(REPO / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write(f"\n## {dt.date.today().isoformat()}: `python -m bench --sizes {args.sizes} --runs {args.runs}`\n\n")
            out.write(f"Machine: {machine}. {took / 60:.0f} min.\n\n{HEADER}\n")
            out.write("\n".join(f.row() for f in figures) + "\n")


if __name__ == "__main__":
    main()
