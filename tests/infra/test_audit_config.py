"""The ``[audit]`` table of the site file: read by `load_audit_config`, accepted by
`app.config.load_config` in the site file only (where the trail goes is IT's). Qt-free."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.audit import AuditConfig, load_audit_config
from app.config import ConfigError, load_config


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    site = tmp_path / "site.toml"
    site.write_text(text, encoding="utf-8")
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(site))
    return site


def test_site_audit_table_is_read_and_accepted_beside_the_centre(tmp_path, monkeypatch) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x", encoding="utf-8")
    _site(tmp_path, monkeypatch, f'[centre]\nname = "C"\n[audit]\nrepository_host = "arr.example"\n'
                                 f'repository_port = 6514\nca_bundle = "{ca}"\nmax_backoff_s = 60\n')
    cfg = load_audit_config()
    assert cfg == AuditConfig(repository_host="arr.example", ca_bundle=ca, max_backoff_s=60.0)
    assert cfg.forwarding
    assert load_config(None, {}).centre.name == "C"  # the centre loader takes the site file as it is


def test_no_site_file_means_no_forwarding(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(tmp_path / "absent.toml"))
    assert not load_audit_config().forwarding


@pytest.mark.parametrize("text, names", [
    ('[audit]\nrepository_hots = "x"\n', "audit.repository_hots"),
    ('[audit]\nrepository_port = "6514"\n', "audit.repository_port"),
    ('[audit]\nrepository_port = 70000\n', "audit.repository_port"),
    ('[audit]\nca_bundle = "/nonexistent/ca.pem"\n', "/nonexistent/ca.pem"),
    ('[audit]\npoll_interval_s = 0\n', "audit.poll_interval_s"),
    ('[audit]\nclient_cert = ""\nclient_key = ""\nserver_name = 3\n', "audit.server_name"),
    ('[audit\n', "not valid TOML"),
])
def test_bad_audit_settings_name_the_file_and_key(tmp_path, monkeypatch, text: str, names: str) -> None:
    site = _site(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError) as err:
        load_audit_config()
    assert str(site) in str(err.value) and names in str(err.value)


def test_a_user_file_cannot_redirect_the_audit_trail(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(tmp_path / "absent.toml"))
    user = tmp_path / "user.toml"
    user.write_text('[audit]\nrepository_host = "evil.example"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(user, {})
    assert str(user) in str(err.value) and "audit" in str(err.value)
