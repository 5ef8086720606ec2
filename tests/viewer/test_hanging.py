"""Hanging protocols: the bundled files load, matching picks by modality, body part and
description, priority orders the cycle, a site's file adds or replaces, bad files are named."""
from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest

from viewer.hanging import (HangingProtocolError, Layout, SeriesFacts, StudyFacts, StudyRole, choose_series,
                            load_protocols, matching_protocols, parse_protocol, resolve_window)
from viewer.tools.window_level import PRESETS
from viewer.views.navigation import SlabMode

LUNG = SeriesFacts("lung", "5mm", "L", 64, 5.0)
MEDIASTINAL = SeriesFacts("medi", "5mm", "B", 64, 5.0)


def _ids(protocols) -> list[str]:
    return [p.id for p in protocols]


def _minimal(**extra) -> dict:
    data = {"schema": 1, "id": "site-one", "name": {"ja": "施設", "en": "Site"}, "priority": 50,
            "match": {"modality": ["CT"]}, "layout": "single", "views": [{"plane": "coronal", "window": "bone"}]}
    data.update(extra)
    return data


def test_bundled_protocols_load_with_their_views() -> None:
    by_id = {p.id: p for p in load_protocols()}
    assert set(by_id) == {"chest-ct-screening", "chest-ct-with-prior", "general-ct"}
    screening = by_id["chest-ct-screening"]
    assert screening.layout is Layout.MPR
    axial = screening.views[0]
    assert (axial.plane, axial.window, axial.slab_mode, axial.slab_mm) == ("axial", "lung", SlabMode.MIP, 10.0)
    prior = by_id["chest-ct-with-prior"]
    assert prior.layout is Layout.SIDE_BY_SIDE and prior.requires_prior
    assert [v.study for v in prior.views] == [StudyRole.CURRENT, StudyRole.PRIOR]


def test_chest_by_body_part_or_description_general_otherwise() -> None:
    protocols = load_protocols()
    by_body_part = StudyFacts("CT", body_part="chest", study_description="", series=(MEDIASTINAL,))
    assert _ids(matching_protocols(protocols, by_body_part)) == ["chest-ct-screening", "general-ct"]
    by_description = StudyFacts("CT", study_description="単純CT 胸部", series=(MEDIASTINAL,))
    assert _ids(matching_protocols(protocols, by_description))[0] == "chest-ct-screening"
    by_series = StudyFacts("CT", series=(SeriesFacts("x", "Thorax 1.0 B70f"),))
    assert _ids(matching_protocols(protocols, by_series))[0] == "chest-ct-screening"
    head = StudyFacts("CT", body_part="HEAD", study_description="Head routine", series=(MEDIASTINAL,))
    assert _ids(matching_protocols(protocols, head)) == ["general-ct"]
    assert matching_protocols(protocols, StudyFacts("MR", body_part="CHEST")) == []


def test_prior_protocol_only_with_a_prior_open_and_first_then() -> None:
    protocols = load_protocols()
    facts = StudyFacts("CT", body_part="CHEST", series=(LUNG,), has_prior=True)
    assert _ids(matching_protocols(protocols, facts)) == ["chest-ct-with-prior", "chest-ct-screening", "general-ct"]


def test_real_chest_ct_matches_screening_and_hangs_the_lung_kernel(data_dir: Path) -> None:
    """The real TCIA chest CT (doi:10.7937/TCIA.2020.NNC2-0461) has no Body Part Examined; its study
    description says Chest, and its two reconstructions differ only by kernel (L, B)."""
    facts = []
    for name in ("series-2-5mm", "series-3-5mm"):
        ds = pydicom.dcmread(data_dir / "ct" / "lung-dx-a0001" / name / "1-01.dcm", stop_before_pixels=True)
        assert "BodyPartExamined" not in ds
        facts.append((ds, SeriesFacts(name, str(ds.SeriesDescription), str(ds.ConvolutionKernel), 64, 5.0)))
    ds = facts[0][0]
    study = StudyFacts(str(ds.Modality), "", str(ds.StudyDescription), tuple(f for _, f in facts))
    best = matching_protocols(load_protocols(), study)[0]
    assert best.id == "chest-ct-screening"
    lung_kernel = next(name for d, f in facts for name in [f.key] if str(d.ConvolutionKernel) == "L")
    # Either order of the study's series: the lung kernel is hung.
    assert choose_series(best, study.series).key == lung_kernel
    assert choose_series(best, tuple(reversed(study.series))).key == lung_kernel


def test_series_preference_thinnest_and_most_slices() -> None:
    protocols = {p.id: p for p in load_protocols()}
    thick = SeriesFacts("thick", "Lung 5mm", "", 60, 5.0)
    thin = SeriesFacts("thin", "Lung 1mm", "", 300, 1.0)
    other = SeriesFacts("soft", "Soft tissue 0.6", "", 500, 0.6)
    assert choose_series(protocols["chest-ct-screening"], (thick, other, thin)).key == "thin"
    assert choose_series(protocols["general-ct"], (thick, other, thin)).key == "soft"
    assert choose_series(protocols["general-ct"], ()) is None


def test_window_series_or_preset() -> None:
    p = parse_protocol(_minimal(views=[{"plane": "axial"}, {"plane": "axial", "window": "lung"}],
                                layout="single"))
    assert resolve_window(p.views[0], [(50.0, 350.0, "own")]).center == 50.0
    assert resolve_window(p.views[0], []) == PRESETS["mediastinum"]
    assert resolve_window(p.views[1], [(50.0, 350.0, "own")]) == PRESETS["lung"]


def test_site_offers_some_bundled_protocols_and_keeps_its_own(tmp_path: Path) -> None:
    """station.hanging_protocols names bundled ones (by id or file name); a centre's own
    protocols are offered whatever it names."""
    (tmp_path / "one.json").write_text(json.dumps(_minimal(priority=500)), encoding="utf-8")
    assert sorted(_ids(load_protocols(offered=["general-ct"]))) == ["general-ct"]
    by_file = load_protocols(tmp_path, offered=["chest-ct-screening", "general-ct"])
    assert sorted(_ids(by_file)) == ["chest-ct-screening", "general-ct", "site-one"]
    facts = StudyFacts("CT", body_part="CHEST", has_prior=True)
    assert "chest-ct-with-prior" not in _ids(matching_protocols(by_file, facts))
    assert sorted(_ids(load_protocols(tmp_path, offered=()))) == [
        "chest-ct-screening", "chest-ct-with-prior", "general-ct", "site-one"]


def test_site_protocol_adds_and_replaces(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(json.dumps(_minimal(priority=500)), encoding="utf-8")
    replaced = _minimal(id="general-ct", priority=1, match={"modality": ["CT", "MR"]})
    (tmp_path / "general.json").write_text(json.dumps(replaced), encoding="utf-8")
    protocols = load_protocols(tmp_path)
    assert sorted(_ids(protocols)) == ["chest-ct-screening", "chest-ct-with-prior", "general-ct", "site-one"]
    facts = StudyFacts("CT", body_part="CHEST")
    assert _ids(matching_protocols(protocols, facts)) == ["site-one", "chest-ct-screening", "general-ct"]
    assert _ids(matching_protocols(protocols, StudyFacts("MR"))) == ["general-ct"]  # the site's version
    assert load_protocols(tmp_path / "absent") == load_protocols()


@pytest.mark.parametrize("change, key", [
    ({"colour": "red"}, "colour"),
    ({"schema": 2}, "schema"),
    ({"id": "Bad Id"}, "id"),
    ({"name": {"en": "only"}}, "name"),
    ({"priority": "high"}, "priority"),
    ({"match": {"modality": []}}, "match.modality"),
    ({"match": {"modality": ["CT"], "description": "(unclosed"}}, "match.description"),
    ({"layout": "grid"}, "layout"),
    ({"views": [{"plane": "oblique"}]}, "views[0].plane"),
    ({"views": [{"plane": "axial", "window": "liver"}]}, "views[0].window"),
    ({"views": [{"plane": "axial", "slab": {"mode": "max", "mm": 5}}]}, "views[0].slab.mode"),
    ({"views": [{"plane": "axial", "slab": {"mode": "mip", "mm": 0}}]}, "views[0].slab.mm"),
    ({"views": [{"plane": "axial", "study": "prior"}]}, "views"),
    ({"layout": "side_by_side"}, "layout"),
])
def test_bad_protocol_names_file_and_key(tmp_path: Path, change: dict, key: str) -> None:
    (tmp_path / "centre.json").write_text(json.dumps(_minimal(**change)), encoding="utf-8")
    with pytest.raises(HangingProtocolError) as info:
        load_protocols(tmp_path)
    assert (info.value.source, info.value.key) == ("centre.json", key)
    assert "centre.json" in str(info.value)


def test_unreadable_and_duplicate_site_files(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(HangingProtocolError) as info:
        load_protocols(tmp_path)
    assert info.value.source == "a.json" and "not JSON" in info.value.problem
    (tmp_path / "a.json").write_text(json.dumps(_minimal()), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(_minimal()), encoding="utf-8")
    with pytest.raises(HangingProtocolError) as info:
        load_protocols(tmp_path)
    assert (info.value.source, info.value.key) == ("b.json", "id")


def test_the_real_chest_ct_opens_on_its_lung_kernel_series(lung_dir) -> None:
    """The real study (TCIA Lung-PET-CT-Dx, doi:10.7937/TCIA.2020.NNC2-0461): two 5 mm series
    of 64 slices, kernels L and B, Body Part Examined empty, study description "Chest". The
    screening protocol fits by its description and hangs the lung kernel, whichever series
    the study lists first; with a prior open, the comparison protocol comes first."""
    from viewer.hanging import series_to_open, study_facts
    from viewer.volume import scan_paths

    groups, problems = scan_paths([lung_dir / "series-2-5mm", lung_dir / "series-3-5mm"])
    assert problems == [] and len(groups) == 2
    protocols = load_protocols()
    facts = study_facts(groups)
    assert (facts.modality, facts.body_part, facts.study_description) == ("CT", "", "Chest")
    assert _ids(matching_protocols(protocols, facts)) == ["chest-ct-screening", "general-ct"]
    kernel = {g.key: g.frames[0].kernel for g in groups}
    for order in (groups, groups[::-1]):
        assert kernel[series_to_open(protocols, order)] == "L"
    assert _ids(matching_protocols(protocols, study_facts(groups, has_prior=True)))[0] == "chest-ct-with-prior"
    assert series_to_open(protocols, []) is None
    only_site = [parse_protocol(_minimal(match={"modality": ["MR"]}))]
    assert series_to_open(only_site, groups) is None   # nothing fits a CT: the loader's own choice


def test_side_by_side_views_share_one_plane() -> None:
    data = _minimal(layout="side_by_side", requires_prior=True,
                    views=[{"plane": "axial", "study": "current"}, {"plane": "coronal", "study": "prior"}])
    with pytest.raises(HangingProtocolError) as err:
        parse_protocol(data, "mixed.json")
    assert err.value.key == "views" and "one plane" in err.value.problem
    data["views"][1]["plane"] = "axial"
    assert parse_protocol(data).layout is Layout.SIDE_BY_SIDE
