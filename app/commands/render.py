"""`yomi render`: one view of a series to PNG, off screen, through the reading window's views."""
from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "render",
        help="render a plane of a series to PNG (headless)",
        description="Render one plane through the same VTK view the reading window uses: "
        "orientation labels, patient banner and window/level included.",
    )
    p.add_argument("path", nargs="?", help="DICOM file or folder (omit with --phantom)")
    p.add_argument("--phantom", action="store_true", help="render the synthetic chest phantom")
    p.add_argument("--plane", choices=("axial", "coronal", "sagittal"), default="axial")
    p.add_argument("--series", metavar="UID", help="Series Instance UID (default: the largest series)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--slice", type=int, metavar="N",
                       help="slice number along the plane, 1-based as shown in the view (default: centre)")
    where.add_argument("--position", type=float, metavar="MM",
                       help="the plane's patient coordinate in LPS mm: z for axial, y for coronal, x for sagittal")
    p.add_argument("--window", default="series", metavar="NAME|C,W",
                   help="lung, mediastinum, bone, brain, abdomen, series (default) or CENTER,WIDTH")
    p.add_argument("--slab", type=float, default=0.0, metavar="MM", help="slab thickness in mm")
    p.add_argument("--mode", choices=("mip", "minip", "avg"), default="mip", help="slab projection")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--size", type=int, default=512, metavar="PX", help="image size (square)")


def run(args: argparse.Namespace) -> int:
    from viewer.views.headless import prefer_headless_gl

    prefer_headless_gl()
    from viewer import volume as vol
    from viewer.tools.window_level import parse_window, series_windows
    from viewer.views.offscreen import OffscreenView
    from viewer.views.planes import POSITION_AXIS

    if not args.phantom and not args.path:
        print("yomi render: give a DICOM PATH or --phantom", file=sys.stderr)
        return 2
    if not 64 <= args.size <= 4096:
        print("yomi render: --size must be between 64 and 4096", file=sys.stderr)
        return 2
    try:
        volume = vol.synthetic_phantom() if args.phantom else vol.load_volume(args.path, args.series)
        window = parse_window(args.window, series_windows(volume.window_presets))
    except (vol.VolumeError, ValueError, OSError) as exc:
        print(f"yomi render: {exc}", file=sys.stderr)
        return 1
    view_host = OffscreenView(volume, args.plane, args.size)
    view = view_host.view
    view.set_window(window)
    if args.slab:
        view.set_slab(args.slab, args.mode)
    try:
        if args.slice is not None:
            if not 1 <= args.slice <= view.slice_count():
                raise ValueError(f"--slice {args.slice}: the {args.plane} plane has slices 1-{view.slice_count()}")
            view.set_slice_index(args.slice - 1)
        elif args.position is not None:
            view.set_patient_coordinate(POSITION_AXIS[args.plane], args.position)
    except ValueError as exc:
        print(f"yomi render: {exc}", file=sys.stderr)
        return 1
    try:
        out = view_host.save_png(args.out)
    finally:
        view_host.close()
    print(out)
    return 0
