"""The site configuration IT writes (app/config.py): its schema, `locked`, where each value
came from (`yomi config show`), the one rule that finds the site file beside the account
store, and the start-up refusal of a wrong file with the file and key named. Qt-free: the
start-up checks run through app.main.main, which stops before any window opens."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.config import COMMAND_LINE, DEFAULTS, SCHEMA, ConfigError, load_config, site_config_path
from app.main import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "packaging" / "linux" / "site.toml"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("YOMI_SITE_DIR", str(tmp_path / "site-dir"))
    monkeypatch.delenv("YOMI_SITE_CONFIG", raising=False)
    monkeypatch.delenv("YOMI_PASSWORD", raising=False)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_site_file_lives_beside_the_account_store(tmp_path: Path, monkeypatch) -> None:
    from app.session.site_store import site_dir

    assert site_config_path() == site_dir() / "site.toml" == tmp_path / "site-dir" / "site.toml"
    write(site_config_path(), '[centre]\nname = "From the site dir"\n')
    cfg = load_config(None, {})
    assert cfg.centre.name == "From the site dir" and cfg.site_file == tmp_path / "site-dir" / "site.toml"
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(tmp_path / "elsewhere.toml"))  # the file alone can move
    assert load_config(None, {}).centre.name == "Reading centre"


def test_each_value_knows_where_it_came_from(tmp_path: Path) -> None:
    site = write(site_config_path(), 'locked = ["centre.dicomweb_url", "station.templates"]\n'
                                     '[centre]\ndicomweb_url = "https://pacs.example/dicom-web"\nidle_lock_s = 120\n'
                                     '[station]\nlanguage = "ja"\ntemplates = ["lung-screening-ldct"]\n')
    user = write(tmp_path / "mine.toml", '[centre]\ncache_max_gb = 5\n[station]\nlanguage = "en"\n')
    cfg = load_config(user, {"user": "kenji"})
    assert (cfg.language, cfg.templates, cfg.hanging_protocols) == ("en", ("lung-screening-ldct",), ())
    assert cfg.origin("centre.dicomweb_url") == cfg.origin("centre.idle_lock_s") == str(site)
    assert cfg.origin("station.language") == cfg.origin("centre.cache_max_gb") == str(user)
    assert cfg.origin("centre.user") == COMMAND_LINE and cfg.origin("centre.read_timeout") == DEFAULTS
    assert cfg.locked == frozenset({"centre.dicomweb_url", "station.templates"})
    assert cfg.sources == (str(site), str(user), COMMAND_LINE)


def test_config_show_prints_every_key_with_its_origin(tmp_path: Path, capsys) -> None:
    site = write(site_config_path(), 'locked = ["idle_lock_s"]\n[centre]\nidle_lock_s = 90\n'
                                     '[audit]\nrepository_host = "arr.example"\n')
    assert main(["config", "show", "--json", "--server", "https://pacs.example/dicom-web"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["site_file"] == str(site) and shown["site_file_present"]
    settings = shown["settings"]
    assert set(settings) == set(SCHEMA) | {k for k in settings if k.startswith("audit.")}
    assert settings["centre.idle_lock_s"] == {"value": 90.0, "origin": str(site), "locked": True}  # bare name: centre
    assert settings["centre.dicomweb_url"]["origin"] == COMMAND_LINE
    assert settings["audit.repository_host"] == {"value": "arr.example", "origin": str(site), "locked": True}
    assert settings["audit.repository_port"]["origin"] == DEFAULTS
    assert main(["config", "show"]) == 0
    text = capsys.readouterr().out
    assert re.search(rf"^idle_lock_s = 90.0 +# {re.escape(str(site))}, locked$", text, re.M)
    assert re.search(r"^language = \"auto\" +# defaults$", text, re.M)


@pytest.mark.parametrize("site_text, user_text, blamed, named", [
    ("[centre]\nidle_lok_s = 60\n", None, "site", "centre.idle_lock_s?"),      # unknown key: the near one offered
    ("[stations]\nlanguage = 'ja'\n", None, "site", "'stations' (did you mean station?)"),
    ('[centre]\nidle_lock_s = "5 min"\n', None, "site", "centre.idle_lock_s must be float, not str"),
    ("[station]\nlanguage = 'fr'\n", None, "site", "station.language must be one of auto, ja, en"),
    ("[station]\ntemplates = ['chest-xray']\n", None, "site", "station.templates names 'chest-xray'"),
    ('[centre]\nca_bundle = "/nonexistent/ca.pem"\n', None, "site", "centre.ca_bundle /nonexistent/ca.pem is not a file"),
    ('[centre]\nclient_cert = "/nonexistent/station.pem"\n', None, "site", "centre.client_cert"),
    ('locked = ["centre.dicomweb_url"]\n[centre]\ndicomweb_url = "https://a.example/"\n',
     '[centre]\ndicomweb_url = "https://b.example/"\n', "user", "centre.dicomweb_url is locked by the site"),
    ('locked = ["station.language"]\n[station]\nlanguage = "ja"\n', '[station]\nlanguage = "en"\n',
     "user", "station.language is locked"),
    ("locked = ['station.langauge']\n", None, "site", "'station.langauge' (did you mean station.language?)"),
    ("", '[centre]\nca_bundle = "/nonexistent/mine.pem"\n', "user", "centre.ca_bundle"),  # blamed where it was set
    ("", "locked = ['centre.name']\n", "user", "'locked' is the site configuration's alone"),
    ("[audit]\nrepository_port = 'syslog'\n", None, "site", "audit.repository_port"),
])
def test_a_wrong_file_stops_the_start_naming_file_and_key(tmp_path: Path, capsys, site_text: str,
                                                         user_text: str | None, blamed: str, named: str) -> None:
    site = write(site_config_path(), site_text)
    argv = ["--demo"]
    culprit = site
    if user_text is not None:
        culprit = write(tmp_path / "mine.toml", user_text)
        argv += ["--config", str(culprit)]
    assert blamed == ("user" if culprit != site else "site")
    assert main(argv) == 2  # before any window: this test has no Qt application to open one
    err = capsys.readouterr().err
    assert err.startswith(f"yomi: {culprit}: ") and named in err and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_the_command_line_cannot_change_a_locked_station_key(capsys) -> None:
    write(site_config_path(), 'locked = ["centre.ca_bundle"]\n')
    assert main(["config", "show", "--ca-bundle", "/etc/ssl/certs/ca-certificates.crt"]) == 2
    assert "command line: centre.ca_bundle is locked" in capsys.readouterr().err


def _uncommented(sample: str, tmp_path: Path) -> str:
    """The sample site file with every commented key and table switched on; file paths point
    to files that exist, as they would on a configured station."""
    out = []
    existing = write(tmp_path / "exists.pem", "x")
    for line in sample.splitlines():
        m = re.match(r"^# ((?:\[\w+\])|(?:\w+ = .*)|(?:locked = .*)|(?:\s+\".*))$", line)
        if m:
            line = re.sub(r'"/etc/yomi/[^"]+\.(pem|key|crl)"', f'"{existing}"', m.group(1))
            line = re.sub(r"\s+# .*$", "", line)
        out.append(line)
    return "\n".join(out) + "\n"


def test_the_shipped_site_sample_names_every_key_and_loads_when_uncommented(tmp_path: Path) -> None:
    sample = SAMPLE.read_text(encoding="utf-8")
    assert load_config(None, {}).origins == {}  # as shipped, every line is a comment: defaults
    write(site_config_path(), sample)
    assert all(o == DEFAULTS for o in (load_config(None, {}).origin(k) for k in SCHEMA))
    write(site_config_path(), _uncommented(sample, tmp_path))
    cfg = load_config(None, {})
    set_keys = {k for k in SCHEMA if cfg.origin(k) != DEFAULTS}
    assert set_keys == set(SCHEMA), sorted(set(SCHEMA) - set_keys)
    assert {k for k in cfg.origins if k.startswith("audit.")} >= {"audit.repository_host", "audit.ca_bundle"}
    assert "centre.dicomweb_url" in cfg.locked


def test_the_it_guide_documents_every_key() -> None:
    guide = (REPO / "packaging" / "README.md").read_text(encoding="utf-8")
    missing = [k for k in SCHEMA if f"`{k}`" not in guide]
    assert not missing


def test_a_client_certificate_needs_its_file(tmp_path: Path) -> None:
    key = write(tmp_path / "station.key", "x")
    write(site_config_path(), f'[centre]\nclient_key = "{key}"\n')
    with pytest.raises(ConfigError, match="centre.client_key is set but centre.client_cert is not"):
        load_config(None, {})


@pytest.mark.orthanc
def test_a_centre_that_asks_for_the_station_certificate(orthanc, tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: F811
    """centre.client_cert/client_key from the site file: the real Orthanc behind nginx that
    accepts only stations whose certificate its stations' CA signed (mutual TLS)."""
    from tests.fixtures.audit_repository import issue_client_cert
    from tests.fixtures.orthanc import make_test_pki, start_nginx_tls

    pki = make_test_pki(tmp_path / "pki")
    stations_ca, station = issue_client_cert(tmp_path / "stations")
    front = start_nginx_tls(tmp_path / "nginx", orthanc.port, pki,
                            extra_locations=f"ssl_client_certificate {stations_ca};\n    ssl_verify_client on;")
    try:
        monkeypatch.setenv("YOMI_PASSWORD", orthanc.password)
        site = f'[centre]\ndicomweb_url = "{front.dicomweb_url}"\nuser = "{orthanc.user}"\nca_bundle = "{pki.ca_cert}"\n'
        write(site_config_path(), site)
        assert main(["centre", "check"]) == 1  # no station certificate: nginx answers 400 to every request
        assert "rejected the request (400)" in capsys.readouterr().err
        write(site_config_path(), site + f'client_cert = "{station.cert}"\nclient_key = "{station.key}"\n')
        rc = main(["centre", "check"])
        out = capsys.readouterr()
        assert rc == 0, out.err
        assert "all checks passed" in out.out
    finally:
        front.stop()


def test_hanging_protocols_offered_must_be_bundled(capsys) -> None:
    from app.config import bundled_hanging_protocols

    write(site_config_path(), "[station]\nhanging_protocols = ['no-such-protocol']\n")
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert "station.hanging_protocols names 'no-such-protocol', not a bundled hanging protocol" in err
    for name in sorted(bundled_hanging_protocols())[:1]:  # whichever protocols resources/hanging/ holds
        write(site_config_path(), f"[station]\nhanging_protocols = ['{name}']\n")
        assert load_config(None, {}).hanging_protocols == (name,)
