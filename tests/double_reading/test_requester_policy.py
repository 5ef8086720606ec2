"""What goes to the centre for the requester: the site setting (app/config.py) and the rule."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.config import ConfigError, load_config
from app.reading.requester_policy import RequesterReceives, delivery_objects, parse_requester_receives
from app.reading.roles import ReadingRole


@dataclass
class _Signed:      # the fields of app.report.signing.SignedReport the rule reads
    sr_sop_uid: str = "1.2.3"
    sr: bytes = b"SR"
    encapsulated_sop_uid: str = "1.2.4"
    encapsulated_pdf: bytes = b"PDF"


def test_final_only_keeps_a_readings_pdf_home_and_sends_the_judges() -> None:
    s = _Signed()
    final = RequesterReceives.FINAL
    assert delivery_objects(s, ReadingRole.FIRST, final) == [("1.2.3", b"SR")]
    assert delivery_objects(s, ReadingRole.SECOND, final) == [("1.2.3", b"SR")]
    assert delivery_objects(s, ReadingRole.JUDGE, final) == [("1.2.3", b"SR"), ("1.2.4", b"PDF")]
    assert delivery_objects(s, None, final) == [("1.2.3", b"SR"), ("1.2.4", b"PDF")]     # read once
    assert delivery_objects(s, ReadingRole.FIRST, RequesterReceives.ALL) == [("1.2.3", b"SR"), ("1.2.4", b"PDF")]


def test_site_setting_is_checked(tmp_path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[centre]\nrequester_receives = "all"\n')
    assert load_config(site, {}).centre.requester_receives == "all"
    assert load_config(None, {}).centre.requester_receives == "final"
    site.write_text('[centre]\nrequester_receives = "everyone"\n')
    with pytest.raises(ConfigError, match="requester_receives"):
        load_config(site, {})
    with pytest.raises(ValueError, match="site.toml"):
        parse_requester_receives("everyone", "site.toml")
