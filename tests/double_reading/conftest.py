"""Double-reading tests: three station accounts (readers A and B, judge J) with signing keys
bound, as IT enrols them, and the real centre (support.py)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

PASSWORD = "Correct-Horse-Battery-42"


@dataclass
class Station:
    session: object          # app.session.Session, logged in
    choice: object           # app.reading.certificates.CertificateChoice with the key's password
    centre_user: tuple[str, str]


@pytest.fixture
def stations(tmp_path):
    """Accounts A, B (role reader) and J (reader + judge: IT gives "judge" to certified physicians)."""
    from app.audit import AuditLog
    from app.reading.certificates import choose_certificate
    from app.session import Session, SigningKeyRef, UserStore, add_user
    from tests.double_reading.support import JUDGE, NAME_A, NAME_B, NAME_J, READER_A, READER_B
    from tests.report.pki import make_pki

    (tmp_path / "pki").mkdir()
    pki = make_pki(tmp_path / "pki")
    store = UserStore(tmp_path / "users.json")
    out = {}
    for uid, name, roles, creds in (("kenji", NAME_A, ["reader"], READER_A), ("jiro", NAME_B, ["reader"], READER_B),
                                    ("hanako", NAME_J, ["reader", "judge"], JUDGE)):
        user = add_user(store, uid, PASSWORD, uid, name, must_change_password=False, roles=roles,
                        signing_key=SigningKeyRef("pkcs12", str(pki.p12)))
        session = Session(store, audit_log=AuditLog(tmp_path / f"audit-{uid}.jsonl"))
        session.login(uid, PASSWORD)
        choice = dataclasses.replace(choose_certificate(demo_reader=False, account_key=user.signing_key),
                                     password=pki.password)
        out[uid] = Station(session, choice, creds)
    out["pki"] = pki
    return out


@pytest.fixture
def double(tmp_path):
    """The real centre (support.py) holding one study with its three role workitems."""
    from tests.double_reading.support import load_double_study, start_double_centre

    server = start_double_centre(tmp_path / "orthanc")
    try:
        yield load_double_study(server, tmp_path / "studies")
    finally:
        server.stop()
