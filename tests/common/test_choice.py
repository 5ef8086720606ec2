"""`Choice.parse`: the value or an error naming every choice (tools and slab modes use it)."""
from __future__ import annotations

import pytest

from viewer.tools.tool import Tool
from viewer.views.navigation import SlabMode


def test_parse_takes_the_enum_or_its_text():
    assert SlabMode.parse("minip") is SlabMode.MINIP
    assert SlabMode.parse(SlabMode.MIP) is SlabMode.MIP
    assert Tool.parse("length") is Tool.LENGTH


def test_an_unknown_value_names_the_kind_and_the_choices():
    with pytest.raises(ValueError, match=r"unknown slab mode 'max'; expected one of mip, minip, avg"):
        SlabMode.parse("max")
    with pytest.raises(ValueError, match=r"unknown tool 'ruler'; expected one of window, pan"):
        Tool.parse("ruler")
