"""Templates load from resources/templates, validate, and say what the model expects."""
import copy
import dataclasses
import json

import pytest

from app.report.errors import TemplateError
from app.report.finding import Finding
from app.report.templates import COMPUTED, LANGUAGES, expand_macros, list_templates, load_template, parse_template
from resources.templates import template_files

LOBES = {"RUL", "RML", "RLL", "LUL", "lingula", "LLL"}


def test_every_bundled_template_loads():
    ids = {t.id for t in list_templates()}
    assert {"lung-screening-ldct", "general-ct"} <= ids
    assert len(ids) == len(template_files())


def test_labels_are_bilingual():
    for t in list_templates():
        for f in t.fields + t.nodule_fields:
            assert all(f.label[lang] for lang in LANGUAGES)
            for o in f.options:
                assert o.ja and o.en


def test_screening_template_matches_the_model():
    t = load_template("lung-screening-ldct")
    finding_fields = {f.name for f in dataclasses.fields(Finding)}
    computed = {f.id for f in t.nodule_fields if f.type == "computed"}
    assert {f.id for f in t.nodule_fields} - computed <= finding_fields
    assert computed <= {"mean_mm", "solid_mean_mm"}
    assert {o.code for o in t.nodule_field("lobe").options} == LOBES
    assert {o.code for o in t.nodule_field("kind").options} == {"solid", "part_solid", "ground_glass"}
    assert {o.code for o in t.nodule_field("status").options} == {"baseline", "new", "stable", "growing"}
    assert t.schemes == ("jscts-6", "lung-rads-2022")  # JSCTS primary, Lung-RADS second
    assert t.nodule_field("long_mm").unit == "mm"
    for fid in ("emphysema", "coronary_calcification", "interstitial", "mediastinal_other"):
        t.field(fid)


def test_general_ct_has_organ_normals():
    t = load_template("general-ct")
    organs = [f for f in t.fields if f.id != "impression"]
    assert len(organs) >= 8 and all(f.normal for f in organs)


def test_macros_expand_per_language():
    t = load_template("general-ct")
    assert expand_macros(".nl", t, "ja") == t.normal_text["ja"]
    assert expand_macros("Liver: .n", t, "en", "liver") == "Liver: No focal liver lesion."
    assert expand_macros("a.nl .unknown x", t, "en") == "a.nl .unknown x"  # whole words only


def _raw(name="general-ct.json"):
    f = next(f for f in template_files() if f.name == name)
    return json.loads(f.read_text(encoding="utf-8"))


@pytest.mark.parametrize("breaker", [
    lambda d: d.pop("version"),
    lambda d: d.__setitem__("version", "1.0"),
    lambda d: d["sections"][0]["fields"][0].__setitem__("type", "date"),
    lambda d: d["sections"][0]["fields"][0]["label"].pop("ja"),
    lambda d: d["sections"][0]["fields"].append(copy.deepcopy(d["sections"][0]["fields"][0])),
    lambda d: d["sections"][0]["fields"].append({"id": "c", "type": "choice", "label": {"ja": "x", "en": "x"}, "options": []}),
    lambda d: d["sections"][0]["fields"].append({"id": "n", "type": "number", "label": {"ja": "x", "en": "x"}}),
    lambda d: d["sections"][0]["fields"].append({"id": "k", "type": "computed", "compute": "magic", "label": {"ja": "x", "en": "x"}}),
    lambda d: d["macros"].__setitem__(".n", {"ja": "x", "en": "x"}),
])
def test_invalid_templates_are_refused(breaker):
    d = _raw()
    breaker(d)
    with pytest.raises(TemplateError):
        parse_template(d, "broken")


def test_version_pinning():
    with pytest.raises(TemplateError):
        load_template("general-ct", "0.0.1")
    assert "recommendation" in COMPUTED
