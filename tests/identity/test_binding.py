"""Who the reader is at the centre comes from the IT-signed account, never from a settings file
(app.config.bind_account), and the site store carries the identity-provider subject IT binds
(`yomi user add --oidc-subject`, `yomi user oidc`). Qt-free."""
from __future__ import annotations

import json

import pytest

from app.config import CentreConfig, ConfigError, bind_account, load_config
from app.main import main
from app.session import SessionError, UserStore
from tests.identity.support import make_station


def test_the_account_wins_and_each_override_is_told(tmp_path, monkeypatch) -> None:
    station = make_station(tmp_path, monkeypatch, totp=False)
    user = station.add("dr.sato", dicom_name="SATO^JIRO", centre_user="reader-b").user
    cfg, told = bind_account(CentreConfig(user="reader-a", reader_dicom_name="TAKAHASHI^KENJI"), user)
    assert (cfg.user, cfg.reader_dicom_name) == ("reader-b", "SATO^JIRO")
    assert len(told) == 2 and all("dr.sato" in t for t in told)
    # nothing configured, or the same values: nothing to tell
    assert bind_account(CentreConfig(), user)[1] == []
    assert bind_account(cfg, user)[1] == []
    # no centre user bound by IT: the station user ID, not whatever the file said
    keyless = station.add("dr.kenji", dicom_name="KENJI^READER").user
    assert bind_account(CentreConfig(user="someone"), keyless)[0].user == "dr.kenji"


def test_a_secret_in_a_file_is_refused_whatever_its_prefix(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_SITE_CONFIG", str(tmp_path / "none.toml"))
    path = tmp_path / "user.toml"
    path.write_text('[centre]\noidc_client_secret = "s3cret"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="oidc_client_secret"):
        load_config(path, {})
    path.write_text('[centre]\noidc_issuer = "https://idp.example"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="oidc_client_id"):
        load_config(path, {})


def test_oidc_subject_is_signed_into_the_store(tmp_path, monkeypatch, capsys) -> None:
    station = make_station(tmp_path, monkeypatch)
    admin = station.add("it.admin", dicom_name="ADMIN^IT", roles=["admin"])
    station.add("dr.sato", dicom_name="SATO^JIRO")
    monkeypatch.setenv("YOMI_ADMIN", "it.admin")
    from tests.session_support import PW

    monkeypatch.setenv("YOMI_ADMIN_PASSWORD", PW)
    monkeypatch.setenv("YOMI_ADMIN_CODE", admin.recovery_codes.pop())
    assert main(["user", "oidc", "dr.sato", "--subject", "reader-0042"]) == 0, capsys.readouterr().err
    store = UserStore(site=station.site.site_dir, credentials_dir=tmp_path / "credentials")
    assert store.accounts()["dr.sato"].oidc_subject == "reader-0042"
    # a reader editing the store to take over another's provider identity breaks the signature
    doc = json.loads(store.path.read_text(encoding="utf-8"))
    for a in doc["payload"]["accounts"]:
        if a["user_id"] == "it.admin":
            a["oidc_subject"] = "reader-0042"
    store.path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SessionError):
        store.accounts()
