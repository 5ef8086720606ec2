"""`yomi inspect PATH [--json]`: the series under a file or folder, their geometry, and the files
that could not be used, without decoding pixels.

The output names the patient (it is shown to the user who asked, like the banner); the log
never does.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("inspect", help="list the series and geometry under a DICOM file or folder")
    p.add_argument("path", nargs="+", help="DICOM file(s) or folder(s), searched recursively")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _series_dict(info: Any) -> dict[str, Any]:
    ident = info.identity
    return {
        "series_uid": info.series_uid,
        "key": info.key,
        "description": info.description,
        "modality": info.modality,
        "rows": info.rows,
        "columns": info.columns,
        "slices": info.slices,
        "grid_slices": info.grid_slices,
        "pixel_spacing": list(info.pixel_spacing),
        "slice_spacing": list(info.slice_spacing),
        "orientation": list(info.orientation),
        "tilt_deg": info.tilt_deg,
        "warnings": list(info.warnings),
        "patient_name": ident.patient_name,
        "patient_id": ident.patient_id,
        "study_uid": ident.study_uid,
        "study_date": ident.study_date,
        "study_description": ident.study_description,
        "accession": ident.accession,
        "series_number": ident.series_number,
        # the encoding the text was read in when the file's Specific Character Set was wrong
        "charset_guess": ident.charset_guess.value if ident.charset_guess is not None else None,
        "blank_uids": list(ident.blank_uids),
    }


def _text(series: list[dict[str, Any]], problems: list[dict[str, str]]) -> str:
    lines: list[str] = []
    last_study = None
    for s in series:
        if s["study_uid"] != last_study:
            last_study = s["study_uid"]
            lines.append(f"Patient {s['patient_name']} ({s['patient_id']})  Study {s['study_date']} "
                         f"{s['study_description']}  [{s['study_uid']}]")
            if s["charset_guess"]:
                lines.append(f"  ! text decoded as {s['charset_guess']} by guess: the file's Specific "
                             "Character Set does not match its bytes")
        ps = "x".join(f"{v:.3f}" for v in s["pixel_spacing"])
        ss = "/".join(f"{v:.2f}" for v in s["slice_spacing"])
        ori = ",".join(f"{v:.3g}" for v in s["orientation"]) or "none"
        lines.append(f"  #{s['series_number']:>4} {s['modality']:<3} {s['description'][:28]:<28} "
                     f"{s['columns']}x{s['rows']}x{s['slices']}"
                     + (f" (grid {s['grid_slices']})" if s["grid_slices"] != s["slices"] else "")
                     + f"  px {ps} mm  slice {ss} mm (min/med/max)  "
                     f"IOP {ori}  tilt {s['tilt_deg']:.1f}°")
        lines.append(f"        {s['key']}")
        if s["blank_uids"]:
            lines.append(f"        ! blank {', '.join(s['blank_uids'])}: grouped by frame of reference, series "
                         "number and time, orientation, size and kernel")
        lines.extend(f"        ! {w}" for w in s["warnings"])
    if problems:
        lines.append(f"{len(problems)} file(s) not used:")
        lines.extend(f"  {p['path']}: {p['reason']}" for p in problems)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from viewer.volume import FileProblem, VolumeError, scan_paths

    try:
        groups, problems = scan_paths(args.path)
    except VolumeError as exc:
        print(f"yomi inspect: {exc}", file=sys.stderr)
        return 1
    series = []
    for g in groups:
        try:
            series.append(_series_dict(g.info()))
        except VolumeError as exc:
            problems.append(FileProblem(g.key, str(exc)))
    problem_dicts = [{"path": p.path, "reason": p.reason} for p in problems]
    if args.json:
        print(json.dumps({"series": series, "problems": problem_dicts}, ensure_ascii=False, indent=1))
    else:
        print(_text(series, problem_dicts))
    if not series:
        print(f"yomi inspect: no image series found under {' '.join(args.path)}", file=sys.stderr)
        return 1
    return 0
