"""`yomi site init` and `yomi user add|disable|enable|reset|roles|list`, through app.main as IT
types them: admin login (password + code) required, roles checked, every action audited
with the admin as requestor. The printed terminal QR code is decoded with zbarimg (a real
QR reader), so what an authenticator app would scan is what is checked. Default scrypt cost."""
from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pyotp
import pytest

from app import audit
from app.audit import C
from app.main import main
from app.session import AuthenticationFailed, Session, UserStore
from tests.session_support import PW

ADMIN_PW = "Initial-Admin 0001"
ADMIN_NEW = "Kanri-sha-no 2026"


def decode_terminal_qr(text: str, tmp: Path) -> str:
    """Render the block-character QR (full block = light) as an image and read it with zbarimg."""
    from PIL import Image

    rows = [r for r in text.splitlines() if r and set(r) <= set(" ▀▄█")]
    lit = {" ": (0, 0), "▀": (1, 0), "▄": (0, 1), "█": (1, 1)}
    img = Image.new("L", (len(rows[0]), 2 * len(rows)), 255)
    for y, row in enumerate(rows):
        for x, ch in enumerate(row):
            for dy, v in enumerate(lit[ch]):
                img.putpixel((x, 2 * y + dy), 255 if v else 0)
    img = img.resize((img.width * 8, img.height * 8), Image.NEAREST)
    path = tmp / "qr.png"
    img.save(path)
    return subprocess.run(["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


class Printed:
    """What one enrolment printed: the URI (decoded from the QR), the secret, the recovery codes."""

    def __init__(self, out: str, tmp: Path) -> None:
        self.uri = decode_terminal_qr(out, tmp)
        self.secret = pyotp.parse_uri(self.uri).secret
        self.recovery = re.findall(r"^  ([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$", out, re.M)
        m = re.search(r"Initial password for \S+ \(shown once; .*\): (\S+)", out)
        self.password = m.group(1) if m else None


@pytest.fixture
def it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    """A site made by `yomi site init`; returns the admin's printed enrolment."""
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (Debian zbar-tools) is needed to read the printed QR code")
    monkeypatch.setenv("YOMI_SITE_DIR", str(tmp_path / "site"))
    monkeypatch.setenv("YOMI_PASSWORD", ADMIN_PW)
    assert main(["site", "init", "--admin", "it.admin", "--totp-unlock-after-h", "8"]) == 0
    out = capsys.readouterr().out
    admin = Printed(out, tmp_path)
    assert len(admin.recovery) == 10 and admin.uri.startswith("otpauth://totp/")
    monkeypatch.delenv("YOMI_PASSWORD")
    monkeypatch.setenv("YOMI_ADMIN", "it.admin")
    monkeypatch.setenv("YOMI_ADMIN_PASSWORD", ADMIN_PW)
    monkeypatch.setenv("YOMI_ADMIN_NEW_PASSWORD", ADMIN_NEW)  # the initial one is changed at first use
    return admin


def _as_admin(monkeypatch: pytest.MonkeyPatch, admin: Printed, password: str = ADMIN_NEW) -> None:
    """Next admin command: a fresh recovery code each time (one TOTP code is good for one login only)."""
    monkeypatch.setenv("YOMI_ADMIN_PASSWORD", password)
    monkeypatch.setenv("YOMI_ADMIN_CODE", admin.recovery.pop())


def test_site_init_files_and_modes(it: Printed, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert stat.S_IMODE((site / "site-signing.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((site / "site-signing.pub").stat().st_mode) == 0o644
    assert stat.S_IMODE((site / "accounts.json").stat().st_mode) == 0o644
    assert b"PRIVATE KEY" not in (site / "accounts.json").read_bytes()
    assert main(["site", "init", "--admin", "other"]) == 1  # never over an existing site


def test_user_add_without_admin_login_is_refused(it: Printed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture) -> None:
    monkeypatch.delenv("YOMI_ADMIN")
    monkeypatch.setenv("YOMI_PASSWORD", PW)
    assert main(["user", "add", "mallory", "--name", "M", "--dicom-name", "M^M", "--role", "admin"]) == 2
    assert "--admin" in capsys.readouterr().err
    monkeypatch.setenv("YOMI_ADMIN", "it.admin")
    monkeypatch.setenv("YOMI_ADMIN_PASSWORD", "not the admin's password")
    monkeypatch.setenv("YOMI_ADMIN_CODE", it.recovery[0])
    assert main(["user", "add", "mallory", "--name", "M", "--dicom-name", "M^M", "--role", "admin"]) == 2
    assert "admin login refused" in capsys.readouterr().err
    _as_admin(monkeypatch, it, ADMIN_PW)
    monkeypatch.setenv("YOMI_ADMIN_CODE", "000000" if pyotp.TOTP(it.secret).now() != "000000" else "111111")
    assert main(["user", "add", "mallory", "--name", "M", "--dicom-name", "M^M", "--role", "admin"]) == 2
    assert "one-time code is wrong" in capsys.readouterr().err
    assert main(["user", "list"]) == 0
    assert capsys.readouterr().out.split() == ["it.admin", "admin", "enabled"]


def test_admin_adds_a_reader_who_logs_in_with_both_factors(it: Printed, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("YOMI_ADMIN_CODE", pyotp.TOTP(it.secret).now())  # the first admin login: the app's code
    monkeypatch.delenv("YOMI_PASSWORD", raising=False)  # no terminal here: the password is generated
    creds = tmp_path / "reader-data" / "credentials"
    p12 = tmp_path / "yamada.p12"
    assert main(["user", "add", "dr.yamada", "--display-name", "Yamada Taro", "--dicom-name", "YAMADA^TARO",
                 "--centre-user", "yamada@centre", "--signing-p12", str(p12), "--credentials-dir", str(creds)]) == 0
    out = capsys.readouterr().out
    reader = Printed(out, tmp_path)
    assert reader.password and len(reader.recovery) == 10
    assert stat.S_IMODE((creds / "dr.yamada.json").stat().st_mode) == 0o600

    store = UserStore(credentials_dir=creds)
    s = Session(store, audit_log=audit.default_log())
    user = s.login("dr.yamada", reader.password, pyotp.TOTP(reader.secret).now())
    assert (user.dicom_name, user.centre_user, user.signing_key.kind, user.signing_key.ref) == \
        ("YAMADA^TARO", "yamada@centre", "pkcs12", str(p12.resolve()))
    assert s.password_change_required
    s.logout()

    admin_changes = [r.event for r in audit.default_log().records() if r.event.event_id == C.SECURITY_ALERT]
    assert [(e.event_types[0].code, e.participants[0].user_id, e.participants[0].user_is_requestor,
             dict(e.objects[0].details)["Alert Description"]) for e in admin_changes] == [
        ("110136", "it.admin", True, "yomi user site-init it.admin"),
        ("110137", "it.admin", True, "yomi user add dr.yamada"),
    ]

    # disable: the reader is refused at once; enable again; roles; reset
    _as_admin(monkeypatch, it)
    assert main(["user", "disable", "dr.yamada"]) == 0
    with pytest.raises(AuthenticationFailed):
        Session(store).login("dr.yamada", reader.password, reader.recovery[0])
    _as_admin(monkeypatch, it)
    assert main(["user", "enable", "dr.yamada"]) == 0
    _as_admin(monkeypatch, it)
    assert main(["user", "roles", "dr.yamada", "--role", "reader", "--role", "judge"]) == 0
    assert "reader, judge" in capsys.readouterr().out
    _as_admin(monkeypatch, it)
    monkeypatch.setenv("YOMI_PASSWORD", PW)
    assert main(["user", "reset", "dr.yamada", "--credentials-dir", str(creds)]) == 0
    fresh = Printed(capsys.readouterr().out, tmp_path)
    assert fresh.secret != reader.secret and set(fresh.recovery).isdisjoint(reader.recovery)
    with pytest.raises(AuthenticationFailed):
        Session(store).login("dr.yamada", reader.password, reader.recovery[1])
    assert Session(store).login("dr.yamada", PW, fresh.recovery[0]).roles == ["reader", "judge"]


def test_the_last_admin_cannot_be_disabled(it: Printed, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture) -> None:
    _as_admin(monkeypatch, it, ADMIN_PW)
    assert main(["user", "roles", "it.admin", "--role", "reader"]) == 1
    assert "no enabled admin" in capsys.readouterr().err
    failed = [r.event for r in audit.default_log().records() if r.event.event_id == C.SECURITY_ALERT][-1]
    assert int(failed.outcome) == 4 and failed.participants[0].user_id == "it.admin"


def test_a_reader_is_no_admin(it: Printed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture) -> None:
    _as_admin(monkeypatch, it, ADMIN_PW)
    monkeypatch.setenv("YOMI_PASSWORD", PW)
    assert main(["user", "add", "dr.sato", "--name", "Sato", "--dicom-name", "SATO^ICHIRO"]) == 0
    reader = Printed(capsys.readouterr().out, tmp_path)
    monkeypatch.setenv("YOMI_ADMIN", "dr.sato")
    monkeypatch.setenv("YOMI_ADMIN_PASSWORD", PW)
    monkeypatch.setenv("YOMI_ADMIN_CODE", reader.recovery[0])
    monkeypatch.setenv("YOMI_ADMIN_NEW_PASSWORD", "Sato-no-atarashii 1")
    assert main(["user", "add", "mallory", "--name", "M", "--dicom-name", "M^M", "--role", "admin"]) == 2
    assert "does not have the admin role" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0
                    or shutil.which("setpriv") is None, reason="needs root and setpriv to run as another OS user")
def test_a_reader_os_user_cannot_change_accounts_even_with_the_admin_login(it: Printed, tmp_path: Path) -> None:
    """The admin's credential and factors are all at hand, but the process runs as an ordinary
    OS user (nobody): the root-only site key is what it lacks, so nothing is changed."""
    import os
    import sys
    import tempfile

    from app.paths import data_dir

    home = Path(tempfile.mkdtemp(prefix="yomi-reader-"))
    try:
        os.chmod(home, 0o755)
        creds = home / "credentials"
        creds.mkdir()
        shutil.copy(data_dir() / "credentials" / "it.admin.json", creds / "it.admin.json")
        for p in (home, creds, creds / "it.admin.json"):
            os.chown(p, 65534, 65534)
        site = tmp_path / "site"
        for p in (tmp_path, site):  # pytest's tmp dirs are root-only; the site dir is world-readable
            os.chmod(p, 0o755)
        for parent in tmp_path.parents:
            if str(parent).startswith("/tmp/pytest-of"):
                os.chmod(parent, os.stat(parent).st_mode | 0o005)
        env = {**os.environ, "YOMI_DATA_DIR": str(home), "YOMI_SITE_DIR": str(site), "YOMI_ADMIN": "it.admin",
               "YOMI_ADMIN_PASSWORD": ADMIN_PW, "YOMI_ADMIN_CODE": it.recovery.pop(),
               "YOMI_ADMIN_NEW_PASSWORD": ADMIN_NEW, "YOMI_PASSWORD": PW}
        before = (site / "accounts.json").read_bytes()
        run = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                              "-m", "app.main", "user", "add", "mallory", "--name", "M", "--dicom-name", "M^M",
                              "--role", "admin", "--credentials-dir", str(creds)],
                             env=env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
        assert run.returncode == 1, run.stderr
        assert "cannot read the site signing key" in run.stderr and "site-signing.key" in run.stderr
        assert (site / "accounts.json").read_bytes() == before
        assert not (creds / "mallory.json").exists()
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0
                    or shutil.which("setpriv") is None, reason="needs root and setpriv to run as another OS user")
def test_it_enrols_with_sudo_into_the_reader_data_dir_and_the_reader_logs_in(
        it: Printed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import os
    import sys
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="yomi-reader-"))
    try:
        os.chown(home, 65534, 65534)  # the reader's data dir; its credentials dir does not exist yet
        creds = home / "credentials"
        _as_admin(monkeypatch, it, ADMIN_PW)
        monkeypatch.setenv("YOMI_PASSWORD", PW)
        assert main(["user", "add", "dr.nobody", "--name", "N", "--dicom-name", "NOBODY^N",
                     "--credentials-dir", str(creds)]) == 0
        reader = Printed(capsys.readouterr().out, tmp_path)
        for p in (creds, creds / "dr.nobody.json", creds / "dr.nobody.json.lock"):
            assert p.stat().st_uid == 65534, p
        for p in [tmp_path, tmp_path / "site", *[q for q in tmp_path.parents if str(q).startswith("/tmp/pytest-of")]]:
            os.chmod(p, os.stat(p).st_mode | 0o005)
        code = ("import sys, pyotp; from app.session import Session, UserStore; "
                "s = Session(UserStore(credentials_dir=sys.argv[1])); "
                "s.login('dr.nobody', sys.argv[2], pyotp.TOTP(sys.argv[3]).now()); print(s.user.dicom_name)")
        run = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                              code, str(creds), PW, reader.secret],
                             env={**os.environ, "YOMI_DATA_DIR": str(home), "YOMI_SITE_DIR": str(tmp_path / "site")},
                             capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2])
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == "NOBODY^N"
    finally:
        shutil.rmtree(home, ignore_errors=True)
