"""What a request to the DICOMweb root asks for, as a typed route (paths with UIDs only).

Orthanc hands the filter a path already percent-decoded and with '.'/'..' segments
resolved, the same path the DICOMweb plugin then serves; this module accepts only the
shapes a reader needs and UIDs made of digits and dots, so an encoded slash or a traversal
that survives as text never reaches a lookup.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = ["Kind", "Route", "parse_route", "safe_path", "UID_RE"]

UID_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_FRAMES_RE = re.compile(r"^[0-9]+(,[0-9]+)*$")
_AE_RE = re.compile(r"^[A-Za-z0-9_.\- ]{1,16}$")
_TAILS = frozenset({"metadata", "rendered", "thumbnail"})


class Kind(enum.Enum):
    SEARCH_STUDIES = "qido studies"            # GET studies
    SEARCH_SERIES = "qido series"              # GET series (all studies)
    SEARCH_INSTANCES = "qido instances"        # GET instances (all studies)
    STOW = "stow"                              # POST studies
    STOW_STUDY = "stow study"                  # POST studies/{S}
    STUDY = "study"                            # GET studies/{S}[/metadata|rendered|thumbnail]
    STUDY_SEARCH = "qido in study"             # GET studies/{S}/series, studies/{S}/instances
    SERIES = "series"                          # GET studies/{S}/series/{SE}[/...], .../instances (QIDO)
    INSTANCE = "instance"                      # GET .../instances/{I}[/metadata|rendered|thumbnail]
    #                                            and .../instances/{I}/frames/{n}[/rendered]
    WORKITEMS = "workitems"                    # GET search, POST create
    WORKITEM = "workitem"                      # GET retrieve, POST update
    WORKITEM_STATE = "workitem state"          # PUT .../state[/{requester}]


@dataclass(frozen=True)
class Route:
    kind: Kind
    study: str = ""
    series: str = ""
    instance: str = ""
    workitem: str = ""
    listing: str = ""      # STUDY_SEARCH / SERIES: "series" or "instances" when the path lists them


def _uid(s: str) -> bool:
    return len(s) <= 64 and UID_RE.match(s) is not None


def parse_route(relative: str, method: str) -> Route | None:
    """The route of a path relative to the DICOMweb root ('studies/1.2/series'), or None."""
    if relative.endswith("/"):
        relative = relative[:-1]
    seg = relative.split("/") if relative else []
    if not seg or any(not s for s in seg):
        return None
    n = len(seg)
    head = seg[0]
    if head == "workitems":
        if n == 1:
            return Route(Kind.WORKITEMS) if method in ("GET", "POST") else None
        if not _uid(seg[1]):
            return None
        if n == 2:
            return Route(Kind.WORKITEM, workitem=seg[1]) if method in ("GET", "POST") else None
        if seg[2] == "state" and method == "PUT" and (n == 3 or (n == 4 and _AE_RE.match(seg[3]))):
            return Route(Kind.WORKITEM_STATE, workitem=seg[1])
        return None
    if head in ("series", "instances") and n == 1 and method == "GET":
        return Route(Kind.SEARCH_SERIES if head == "series" else Kind.SEARCH_INSTANCES)
    if head != "studies":
        return None
    if n == 1:
        return Route(Kind.SEARCH_STUDIES) if method == "GET" else Route(Kind.STOW) if method == "POST" else None
    study = seg[1]
    if not _uid(study):
        return None
    if n == 2:
        if method == "GET":
            return Route(Kind.STUDY, study)
        return Route(Kind.STOW_STUDY, study) if method == "POST" else None
    if method != "GET":
        return None
    if n == 3:
        if seg[2] in _TAILS:
            return Route(Kind.STUDY, study)
        if seg[2] in ("series", "instances"):
            return Route(Kind.STUDY_SEARCH, study, listing=seg[2])
        return None
    if seg[2] != "series" or not _uid(seg[3]):
        return None
    series = seg[3]
    if n == 4:
        return Route(Kind.SERIES, study, series)
    if n == 5:
        if seg[4] == "instances":
            return Route(Kind.SERIES, study, series, listing="instances")
        return Route(Kind.SERIES, study, series) if seg[4] in _TAILS else None
    if seg[4] != "instances" or not _uid(seg[5]):
        return None
    inst = Route(Kind.INSTANCE, study, series, seg[5])
    if n == 6:
        return inst
    if n == 7:
        return inst if seg[6] in _TAILS else None
    if seg[6] == "frames" and _FRAMES_RE.match(seg[7]) and (n == 8 or (n == 9 and seg[8] == "rendered")):
        return inst
    return None


def safe_path(path: str) -> str:
    """The path for a log line: UIDs and route words kept, anything else (names, junk) masked."""
    words = {"dicom-web", "studies", "series", "instances", "workitems", "state", "frames", *_TAILS}
    out = []
    for s in path.split("/"):
        if not s or s in words or _uid(s) or _FRAMES_RE.match(s):
            out.append(s)
        else:
            out.append("<x>")
    return "/".join(out)[:400]
