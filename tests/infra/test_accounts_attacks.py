"""The attacks of the account-store issue, each refused: a credential copied from another
reader, one forged with a chosen password, an edited or unsigned site store, a missing
role, a disabled account. Qt-free; real files, real keys, real scrypt (cheap cost)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.audit import UNKNOWN_USER, C, AuditLog, Outcome
from app.session import (AccountStoreTampered, AuthenticationFailed, RoleMissing, Session, SessionError,
                         SessionState, SiteNotInitialised)
from app.session.credentials import new_credential, new_private_key
from app.session.site_store import now_iso
from tests.session_support import FAST, PW, TestSite, make_site

B_PW = "Sora-no-iro 2025"


@pytest.fixture
def site(tmp_path: Path) -> TestSite:
    s = make_site(tmp_path, totp=False)
    s.add("dr.a", PW, dicom_name="AOKI^AKIRA")
    s.add("dr.b", B_PW, dicom_name="BABA^BUNTA")
    return s


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def _alerts(log: AuditLog) -> list[tuple[str, int, str]]:
    return [(r.event.event_types[0].code, int(r.event.outcome), r.event.participants[0].user_id)
            for r in log.records() if r.event.event_id == C.SECURITY_ALERT]


def test_copying_b_credential_over_a_does_not_log_in_as_a(site: TestSite, log: AuditLog) -> None:
    creds = site.store.credentials_dir
    raw_b = json.loads((creds / "dr.b.json").read_text())
    raw_b["user_id"] = "dr.a"  # as an attacker would, so the file claims to be A's
    (creds / "dr.a.json").write_text(json.dumps(raw_b))
    with pytest.raises(AuthenticationFailed):
        Session(site.store, audit_log=log).login("dr.a", B_PW)
    # the byte-for-byte copy too (its AES-GCM binding to B's user ID fails as well)
    shutil.copy(creds / "dr.b.json", creds / "dr.a.json")
    with pytest.raises(SessionError) as exc:
        Session(site.store, audit_log=log).login("dr.a", B_PW)
    assert "another user ID" in str(exc.value)
    assert Session(site.store).login("dr.b", B_PW).dicom_name == "BABA^BUNTA"  # B is unaffected


def test_a_new_credential_with_a_chosen_password_is_refused(site: TestSite, log: AuditLog) -> None:
    forged = new_credential("dr.a", "Chosen-by-Mallory 1", FAST, new_private_key(), totp_secret=None,
                            must_change_password=False, password_changed=now_iso())
    site.store.credential_file("dr.a").write(forged)
    s = Session(site.store, audit_log=log)
    with pytest.raises(AuthenticationFailed):
        s.login("dr.a", "Chosen-by-Mallory 1")
    assert s.state is SessionState.LOGGED_OUT
    assert ("110132", int(Outcome.SERIOUS_FAILURE), "dr.a") in _alerts(log)


def test_editing_the_site_store_is_tampering(site: TestSite, log: AuditLog) -> None:
    doc = json.loads(site.store.path.read_text())
    accounts = {a["user_id"]: a for a in doc["payload"]["accounts"]}
    accounts["dr.a"]["public_key"] = accounts["dr.b"]["public_key"]  # B's key, A's name
    site.store.path.write_text(json.dumps(doc))
    s = Session(site.store, audit_log=log)
    with pytest.raises(AccountStoreTampered) as exc:
        s.login("dr.a", B_PW)
    assert str(site.store.path) in str(exc.value) and "signature" in str(exc.value)
    with pytest.raises(AccountStoreTampered):
        s.login("dr.b", B_PW)  # nobody logs in from a tampered store
    assert s.state is SessionState.LOGGED_OUT
    alerts = _alerts(log)
    # the typed ID cannot be checked against a tampered store: recorded as the unknown user
    assert alerts[0] == ("110129", int(Outcome.SERIOUS_FAILURE), UNKNOWN_USER)
    logins = [r.event for r in log.records() if r.event.event_id == C.USER_AUTHENTICATION]
    assert [int(e.outcome) for e in logins] == [4, 4]


@pytest.mark.parametrize("damage", ["unsigned", "other key", "roles", "public key file"])
def test_every_kind_of_store_damage_is_refused(site: TestSite, damage: str, tmp_path: Path) -> None:
    doc = json.loads(site.store.path.read_text())
    if damage == "unsigned":
        del doc["signature"]
    elif damage == "other key":  # a whole store signed by someone else's key
        other = make_site(tmp_path / "mallory", totp=False)
        other.add("dr.a", "Chosen-by-Mallory 1")
        doc = json.loads(other.store.path.read_text())
    elif damage == "roles":
        doc["payload"]["accounts"][0]["roles"] = ["reader", "admin"]
    if damage == "public key file":
        (site.site_dir / "site-signing.pub").unlink()
    else:
        site.store.path.write_text(json.dumps(doc))
    with pytest.raises(AccountStoreTampered):
        Session(site.store).login("dr.a", PW)


def test_no_site_at_all_names_the_command_to_run(tmp_path: Path) -> None:
    from app.session import UserStore

    store = UserStore(site=tmp_path / "nowhere", credentials_dir=tmp_path / "c", scrypt=FAST)
    with pytest.raises(SiteNotInitialised) as exc:
        Session(store).login("dr.a", PW)
    assert "yomi site init" in str(exc.value) and str(tmp_path / "nowhere") in str(exc.value)


def test_roles_are_enforced(site: TestSite, log: AuditLog) -> None:
    site.add("it.admin", PW, roles=["admin"])
    with pytest.raises(RoleMissing):  # an admin-only account opens no reading window
        Session(site.store, audit_log=log).login("it.admin", PW)
    with pytest.raises(RoleMissing):  # and a reader is no admin
        Session(site.store, audit_log=log, required_role="admin").login("dr.a", PW)
    assert Session(site.store, required_role="admin").login("it.admin", PW).roles == ["admin"]
    alerts = _alerts(log)
    assert [(a[0], a[2]) for a in alerts] == [("110132", "it.admin"), ("110132", "dr.a")]


def test_disabled_account_is_refused_like_a_wrong_password(site: TestSite) -> None:
    from app.session.site_store import SiteSettings

    def disable(_s: SiteSettings, accounts) -> None:
        accounts["dr.a"].disabled = True

    site.store.site.change(site.key, disable)
    with pytest.raises(AuthenticationFailed) as disabled:
        Session(site.store).login("dr.a", PW)
    with pytest.raises(AuthenticationFailed) as wrong:
        Session(site.store).login("dr.b", "not the password")
    assert str(disabled.value) == str(wrong.value)


def test_identity_comes_from_the_signed_store_not_the_credential(site: TestSite) -> None:
    from app.session import SigningKeyRef

    site.add("dr.c", PW, dicom_name="CHIBA^CHIE", centre_user="chiba@centre",
             signing_key=SigningKeyRef("pkcs11", "pkcs11:token=HPKI;object=sign"))
    cf = site.store.credentials_dir / "dr.c.json"
    raw = json.loads(cf.read_text())
    raw["dicom_name"] = "SOMEONE^ELSE"  # a field the credential does not have: refused as damaged
    cf.write_text(json.dumps(raw))
    with pytest.raises(SessionError, match="damaged"):
        Session(site.store).login("dr.c", PW)
    del raw["dicom_name"]
    cf.write_text(json.dumps(raw))
    user = Session(site.store).login("dr.c", PW)
    assert (user.dicom_name, user.centre_user, user.signing_key.ref) == \
        ("CHIBA^CHIE", "chiba@centre", "pkcs11:token=HPKI;object=sign")
