"""'.nl' as the normal report: the template's normal choices fill the empty required fields
(a normal screening case is signable after it), never a field the reader set."""
from __future__ import annotations

import pytest

from app.report.errors import TemplateError
from app.report.templates import parse_template
from tests.report.conftest import make_report


def test_nl_in_the_first_field_makes_a_signable_normal_report() -> None:
    report = make_report("en")
    assert report.problems()  # a fresh draft cannot be signed
    report.set_field("comparison", ".nl ")
    assert report.problems() == []
    assert report.fields.get("comparison") == "baseline"
    assert report.fields.get("emphysema") == "none"
    assert report.fields.get("impression") == report.template.normal_text["en"]


def test_nl_never_overrides_what_the_reader_chose() -> None:
    report = make_report("ja")
    report.set_field("comparison", "prior")
    report.set_field("emphysema", "mild")
    report.set_field("impression", "右下葉に結節なし。")
    report.set_field("interstitial", ".nl")
    assert (report.fields.get("comparison"), report.fields.get("emphysema")) == ("prior", "mild")
    assert report.fields.get("impression") == "右下葉に結節なし。"
    assert report.fields.get("interstitial") == "none"


def test_nl_in_free_text_also_fills_the_normal_choices() -> None:
    report = make_report("ja")
    report.set_field("mediastinal_other", ".nl")
    assert report.fields.get("mediastinal_other") == report.template.normal_text["ja"]
    assert report.problems() == []


def test_a_normal_report_naming_no_option_is_refused() -> None:
    from app.report.templates import load_template
    import json
    from resources.templates import template_files

    data = json.loads(next(f for f in template_files() if f.name == "lung-screening-ldct.json").read_text("utf-8"))
    data["normal_report"]["choices"]["emphysema"] = "absent"
    with pytest.raises(TemplateError, match="emphysema"):
        parse_template(data, "t.json")
    assert load_template("lung-screening-ldct").normal_choices["emphysema"] == "none"
