"""Hanging protocols as data: which series, layout, planes, window and slab per view (no Qt, no VTK).

A protocol is a JSON file (resources/hanging/*.json; a centre adds or replaces its own in
`<site dir>/hanging/`, a file whose `id` equals a bundled one replaces it). The loader is
strict: an unknown key, a wrong type, a bad regular expression or an unknown plane, window
or slab mode raises `HangingProtocolError` naming the file and the key, so a centre's typo
is found when the station starts, not when a reader opens a study.

Matching (`matching_protocols`) is a pure function of `StudyFacts`: the modality must be
one of `match.modality`; when `match.body_part` or `match.description` is given, the
study's Body Part Examined must be in the list or its study or a series description must
match the regular expression (many scanners leave Body Part Examined empty: the real chest
CT of shared/data does, its study description says "Chest"). A protocol with
`requires_prior` matches only while a prior study is open. Matches come highest priority
first, ties by id, so the order a key cycles through is stable.

Series choice (`choose_series`): among the study's image series, those whose description
or kernel matches `series.description` / `series.kernel`; of those (or of all, when none
matches) the thinnest slices (`prefer: thinnest`) or the most slices (`most_slices`).

`study_facts` reads the facts from the study's series groups (viewer.volume.SeriesGroup), and
`series_to_open` is the series the best protocol hangs: the study loader asks it before the
first volume is built, so a study opens on the protocol's series, not on another first.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.choice import Choice
from viewer.tools.window_level import PRESETS, Window, default_window
from viewer.views.navigation import SlabMode
from viewer.views.planes import PLANES

__all__ = ["HangingProtocolError", "Layout", "StudyRole", "SeriesPreference", "ViewSpec", "SeriesRule",
           "HangingProtocol", "SeriesFacts", "StudyFacts", "load_protocols", "parse_protocol",
           "matching_protocols", "choose_series", "resolve_window", "study_facts", "series_to_open", "SCHEMA"]

SCHEMA = 1
SERIES_WINDOW = "series"  # the series' own first window (what a view shows without a protocol)


class HangingProtocolError(ValueError):
    """A protocol file that cannot be used: `source` names the file, `key` the JSON key at fault."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"hanging protocol {source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


class Layout(Choice):
    SINGLE = "single"               # one view, the first of `views`
    MPR = "mpr"                     # axial large, coronal and sagittal beside it
    SIDE_BY_SIDE = "side_by_side"   # current and prior study next to each other


class StudyRole(Choice):
    CURRENT = "current"
    PRIOR = "prior"


class SeriesPreference(Choice):
    THINNEST = "thinnest"
    MOST_SLICES = "most_slices"


@dataclass(frozen=True)
class ViewSpec:
    plane: str
    window: str = SERIES_WINDOW     # a preset name (viewer.tools.window_level.PRESETS) or "series"
    slab_mode: SlabMode | None = None
    slab_mm: float = 0.0
    study: StudyRole = StudyRole.CURRENT


@dataclass(frozen=True)
class SeriesRule:
    description: re.Pattern[str] | None = None
    kernel: re.Pattern[str] | None = None
    prefer: SeriesPreference = SeriesPreference.MOST_SLICES


@dataclass(frozen=True)
class HangingProtocol:
    id: str
    name: dict[str, str]
    priority: int
    modalities: tuple[str, ...]
    body_parts: tuple[str, ...]
    description: re.Pattern[str] | None
    requires_prior: bool
    series: SeriesRule
    layout: Layout
    views: tuple[ViewSpec, ...]
    source: str = ""

    def views_of(self, role: StudyRole) -> tuple[ViewSpec, ...]:
        return tuple(v for v in self.views if v.study is role)


@dataclass(frozen=True)
class SeriesFacts:
    key: str
    description: str = ""
    kernel: str = ""
    slices: int = 0
    slice_mm: float = 0.0   # the series' slice step (0 = unknown)


@dataclass(frozen=True)
class StudyFacts:
    modality: str
    body_part: str = ""
    study_description: str = ""
    series: tuple[SeriesFacts, ...] = ()
    has_prior: bool = False


# ---- loading -----------------------------------------------------------------------------
_TOP = {"schema", "id", "name", "priority", "match", "requires_prior", "series", "layout", "views"}
_MATCH = {"modality", "body_part", "description"}
_SERIES = {"description", "kernel", "prefer"}
_VIEW = {"plane", "window", "slab", "study"}
_SLAB = {"mode", "mm"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _keys(d: Any, allowed: set[str], source: str, where: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise HangingProtocolError(source, where, "must be a JSON object")
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise HangingProtocolError(source, f"{where}.{unknown[0]}" if where else unknown[0],
                                   f"unknown key; expected one of {', '.join(sorted(allowed))}")
    return d


def _regex(value: Any, source: str, key: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise HangingProtocolError(source, key, "must be a non-empty regular expression")
    try:
        return re.compile(value)
    except re.error as exc:
        raise HangingProtocolError(source, key, f"bad regular expression ({exc})") from None


def _strings(value: Any, source: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise HangingProtocolError(source, key, "must be a non-empty list of strings")
    return tuple(v.upper() for v in value)


def _choice(cls: type[Choice], value: Any, source: str, key: str) -> Any:
    try:
        return cls.parse(value)
    except ValueError as exc:
        raise HangingProtocolError(source, key, str(exc)) from None


def _view(raw: Any, source: str, where: str) -> ViewSpec:
    d = _keys(raw, _VIEW, source, where)
    plane = d.get("plane")
    if plane not in PLANES:
        raise HangingProtocolError(source, f"{where}.plane", f"expected one of {', '.join(PLANES)}")
    window = d.get("window", SERIES_WINDOW)
    if window != SERIES_WINDOW and window not in PRESETS:
        raise HangingProtocolError(source, f"{where}.window",
                                   f"expected {SERIES_WINDOW!r} or one of {', '.join(PRESETS)}")
    mode, mm = None, 0.0
    if "slab" in d:
        slab = _keys(d["slab"], _SLAB, source, f"{where}.slab")
        mode = _choice(SlabMode, slab.get("mode"), source, f"{where}.slab.mode")
        mm = slab.get("mm")
        if isinstance(mm, bool) or not isinstance(mm, (int, float)) or not 0 < mm <= 100:
            raise HangingProtocolError(source, f"{where}.slab.mm", "must be a number of mm in (0, 100]")
    study = _choice(StudyRole, d.get("study", StudyRole.CURRENT.value), source, f"{where}.study")
    return ViewSpec(plane, window, mode, float(mm), study)


def parse_protocol(data: Any, source: str = "<protocol>") -> HangingProtocol:
    """A protocol from its JSON data; raises HangingProtocolError naming `source` and the key."""
    d = _keys(data, _TOP, source, "")
    if d.get("schema") != SCHEMA:
        raise HangingProtocolError(source, "schema", f"must be {SCHEMA}")
    pid = d.get("id")
    if not isinstance(pid, str) or not _ID.match(pid):
        raise HangingProtocolError(source, "id", "must be lower-case letters, digits and '-'")
    name = d.get("name")
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) and name[k] for k in ("ja", "en")):
        raise HangingProtocolError(source, "name", "must give a 'ja' and an 'en' name")
    priority = d.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise HangingProtocolError(source, "priority", "must be an integer")
    match = _keys(d.get("match", {}), _MATCH, source, "match")
    modalities = _strings(match.get("modality"), source, "match.modality")
    if not modalities:
        raise HangingProtocolError(source, "match.modality", "is required (a list of modalities)")
    requires_prior = d.get("requires_prior", False)
    if not isinstance(requires_prior, bool):
        raise HangingProtocolError(source, "requires_prior", "must be true or false")
    srule = _keys(d.get("series", {}), _SERIES, source, "series")
    series = SeriesRule(_regex(srule.get("description"), source, "series.description"),
                        _regex(srule.get("kernel"), source, "series.kernel"),
                        _choice(SeriesPreference, srule.get("prefer", SeriesPreference.MOST_SLICES.value),
                                source, "series.prefer"))
    layout = _choice(Layout, d.get("layout"), source, "layout")
    raw_views = d.get("views")
    if not isinstance(raw_views, list) or not raw_views:
        raise HangingProtocolError(source, "views", "must be a non-empty list")
    views = tuple(_view(v, source, f"views[{i}]") for i, v in enumerate(raw_views))
    if layout is Layout.SIDE_BY_SIDE and not (requires_prior and any(v.study is StudyRole.PRIOR for v in views)):
        raise HangingProtocolError(source, "layout", "side_by_side needs requires_prior and a view of the prior")
    if layout is not Layout.SIDE_BY_SIDE and any(v.study is StudyRole.PRIOR for v in views):
        raise HangingProtocolError(source, "views", "a view of the prior needs the side_by_side layout")
    if layout is Layout.SIDE_BY_SIDE and len({v.plane for v in views}) != 1:
        raise HangingProtocolError(source, "views", "side_by_side shows the current and the prior in one plane "
                                   "(their views are linked slice by slice)")
    if layout is Layout.MPR and len({v.plane for v in views}) != len(views):
        raise HangingProtocolError(source, "views", "the mpr layout shows each plane once")
    return HangingProtocol(pid, {"ja": name["ja"], "en": name["en"]}, priority, modalities,
                           _strings(match.get("body_part"), source, "match.body_part"),
                           _regex(match.get("description"), source, "match.description"),
                           requires_prior, series, layout, views, source)


def _read(f: Any) -> HangingProtocol:
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise HangingProtocolError(f.name, "(file)", f"unreadable ({exc.__class__.__name__})") from None
    except ValueError as exc:
        raise HangingProtocolError(f.name, "(file)", f"not JSON ({exc})") from None
    return parse_protocol(data, f.name)


def load_protocols(site_dir: Path | None = None, bundled: Iterable[Any] | None = None,
                   offered: Iterable[str] = ()) -> list[HangingProtocol]:
    """The bundled protocols (only those `offered`, by id or file name, when any are: the site's
    `station.hanging_protocols`), then the site's own (`site_dir/*.json`, when the folder
    exists, always); a site protocol with a bundled id replaces it. Raises
    HangingProtocolError for the first bad file."""
    if bundled is None:
        from resources.hanging import protocol_files

        bundled = protocol_files()
    names = set(offered)
    by_id: dict[str, HangingProtocol] = {}
    for f in bundled:
        p = _read(f)
        if p.id in by_id:
            raise HangingProtocolError(f.name, "id", f"{p.id!r} is also the id of {by_id[p.id].source}")
        if names and p.id not in names and Path(f.name).stem not in names:
            continue
        by_id[p.id] = p
    if site_dir is not None and Path(site_dir).is_dir():
        seen: set[str] = set()
        for f in sorted(Path(site_dir).glob("*.json")):
            p = _read(f)
            if p.id in seen:
                raise HangingProtocolError(f.name, "id", f"{p.id!r} is given twice in {site_dir}")
            seen.add(p.id)
            by_id[p.id] = p
    return list(by_id.values())


# ---- matching ----------------------------------------------------------------------------
def _matches(p: HangingProtocol, facts: StudyFacts) -> bool:
    if facts.modality.upper() not in p.modalities:
        return False
    if p.requires_prior and not facts.has_prior:
        return False
    if not p.body_parts and p.description is None:
        return True
    if facts.body_part and facts.body_part.upper() in p.body_parts:
        return True
    if p.description is not None:
        texts = [facts.study_description, *(s.description for s in facts.series)]
        return any(t and p.description.search(t) for t in texts)
    return False


def matching_protocols(protocols: Sequence[HangingProtocol], facts: StudyFacts) -> list[HangingProtocol]:
    """The protocols that fit `facts`, best first (priority, then id)."""
    return sorted((p for p in protocols if _matches(p, facts)), key=lambda p: (-p.priority, p.id))


def choose_series(protocol: HangingProtocol, series: Sequence[SeriesFacts]) -> SeriesFacts | None:
    """The series the protocol hangs (None when the study has none)."""
    if not series:
        return None
    rule = protocol.series

    def fits(s: SeriesFacts) -> bool:
        return bool((rule.description is not None and s.description and rule.description.search(s.description))
                    or (rule.kernel is not None and s.kernel and rule.kernel.search(s.kernel)))

    pool = [s for s in series if fits(s)] or list(series)
    if rule.prefer is SeriesPreference.THINNEST:
        return min(pool, key=lambda s: (s.slice_mm if s.slice_mm > 0 else float("inf"), -s.slices, s.key))
    return max(pool, key=lambda s: (s.slices, s.key))


def resolve_window(spec: ViewSpec, series_presets: list[tuple[float, float, str]]) -> Window:
    """The window a view shows: the named preset, or the series' own first window
    (mediastinum when the series carries none, as a view without a protocol does)."""
    return PRESETS[spec.window] if spec.window != SERIES_WINDOW else default_window(series_presets)


def series_facts(groups: Sequence[Any]) -> tuple[SeriesFacts, ...]:
    """The facts of each image series group (viewer.volume.SeriesGroup), for matching and choice."""
    out = []
    for g in groups:
        first = g.frames[0] if g.frames else None
        step = (first.spacing_between_slices or first.slice_thickness or 0.0) if first is not None else 0.0
        out.append(SeriesFacts(g.key, g.identity.series_description, first.kernel if first is not None else "",
                               len(g.frames), float(step)))
    return tuple(out)


def study_facts(groups: Sequence[Any], *, has_prior: bool = False) -> StudyFacts | None:
    """The study's facts from its image series groups (None when it has none)."""
    images = [g for g in groups if g.frames]
    if not images:
        return None
    ident = images[0].identity
    return StudyFacts(ident.modality, ident.body_part, ident.study_description, series_facts(images),
                      has_prior=has_prior)


def series_to_open(protocols: Sequence[HangingProtocol], groups: Sequence[Any]) -> str | None:
    """The key of the series the best fitting protocol hangs (no prior is open yet when a study
    opens); None when no protocol fits."""
    facts = study_facts(groups)
    fits = matching_protocols(protocols, facts) if facts is not None else []
    chosen = choose_series(fits[0], facts.series) if fits else None
    return chosen.key if chosen is not None else None
