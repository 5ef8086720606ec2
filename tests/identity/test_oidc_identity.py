"""The centre's identity provider sign-in tied to the station account (app/session/oidc_binding.py,
app/windows/oidc_wait.py), against the real `oidc-provider-mock` (tests/fixtures/oidc_provider.py).

The person at the provider's page is `tests/oidc/browser.FormBrowser` (it posts the page's
form as a reader would): no real desktop browser exists here. Everything else is real: the
provider, discovery, the loopback redirect, the token exchange, the ID token check, and the
reading window started through app.main.main with the bearer going to the real centre plugin
through the bearer gate (tests/oidc/bearer_gate.py, which stands in for the centre's token
check: Orthanc 1.10 cannot do it)."""
from __future__ import annotations

import threading
import webbrowser

import pytest
from PySide6.QtCore import Qt, QTimer

from app.session.oidc import LoginCancelled, OidcClient, OidcSettings, TokenHolder
from app.session.oidc_binding import OidcSubjectMismatch, OidcSubjectNotBound, bound_sign_in
from app.windows.oidc_wait import OidcWaitDialog
from tests.identity.support import audit_events
from tests.oidc.browser import FormBrowser

CLIENT_ID, CLIENT_SECRET = "yomi-station", "station-secret"


def _client(idp, browser) -> OidcClient:
    return OidcClient(OidcSettings(idp.issuer, CLIENT_ID, CLIENT_SECRET), open_browser=browser)


def test_the_bound_subject_signs_in(oidc_provider, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path))
    browser = FormBrowser("sub-sato")
    result = bound_sign_in(_client(oidc_provider, browser).begin(), user_id="dr.sato", oidc_subject="sub-sato",
                           issuer=oidc_provider.issuer, timeout_s=15)
    browser.wait()
    assert result.identity.subject == "sub-sato" and oidc_provider.token_is_valid(result.tokens.access_token())


@pytest.mark.parametrize("bound", ["sub-takahashi", ""])
def test_another_subject_or_none_bound_is_refused(oidc_provider, tmp_path, monkeypatch, bound) -> None:
    """Reader B's browser still signed in as A at the provider (or IT bound nobody): refused,
    tokens dropped, Security Alert under the station user."""
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path))
    browser = FormBrowser("sub-takahashi" if not bound else "sub-someone-else")
    error = OidcSubjectMismatch if bound else OidcSubjectNotBound
    with pytest.raises(error):
        bound_sign_in(_client(oidc_provider, browser).begin(), user_id="dr.sato", oidc_subject=bound,
                      issuer=oidc_provider.issuer, timeout_s=15)
    alerts = audit_events("110113")
    assert alerts and alerts[-1].participants[0].user_id == "dr.sato"


def test_wait_dialog_signs_in_on_a_worker(qtbot, oidc_provider, tmp_path, monkeypatch) -> None:
    """The root conftest fails this test if any HTTP went out from the GUI thread."""
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path))
    browser = FormBrowser("sub-sato")
    dialog = OidcWaitDialog(None, _client(oidc_provider, browser), user_id="dr.sato", oidc_subject="sub-sato")
    qtbot.addWidget(dialog)
    outcome = dialog.run()
    assert outcome is not None, dialog.error
    result, auth = outcome
    assert result.identity.subject == "sub-sato" and auth is not None
    result.tokens.forget()


def test_cancel_stops_the_wait(qtbot, oidc_provider, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("YOMI_DATA_DIR", str(tmp_path))
    opened = threading.Event()

    def browser_that_never_returns(url: str) -> bool:
        opened.set()
        return True

    dialog = OidcWaitDialog(None, _client(oidc_provider, browser_that_never_returns), user_id="dr.sato",
                            oidc_subject="sub-sato")
    qtbot.addWidget(dialog)

    def press_cancel():
        if not opened.is_set() or not dialog.isVisible():
            QTimer.singleShot(50, press_cancel)
            return
        qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)

    QTimer.singleShot(50, press_cancel)
    assert dialog.run() is None
    assert isinstance(dialog.error, LoginCancelled)


@pytest.mark.orthanc
def test_reading_window_uses_the_provider_bearer(qtbot, centre, oidc_provider, tmp_path, monkeypatch,
                                                 capsys) -> None:
    """`[centre] oidc_issuer` set: after the station login the reader signs in at the provider;
    the worklist comes through the gate with the provider's bearer; logout forgets the tokens."""
    from tests.centre.support import NAME_B, READER_B
    from tests.gui.startup import run_logged_in
    from tests.identity.support import make_station
    from tests.oidc.bearer_gate import BearerGate
    from tests.session_support import PW

    station = make_station(tmp_path / "station", monkeypatch, totp=False)
    station.add("dr.sato", dicom_name=NAME_B, centre_user=READER_B[0])
    station.bind_oidc("dr.sato", "sub-sato")
    forgotten = []
    real_forget = TokenHolder.forget

    def forget(self) -> None:  # the real method, counted
        forgotten.append(self)
        real_forget(self)

    monkeypatch.setattr(TokenHolder, "forget", forget)
    browser = FormBrowser("sub-sato")
    monkeypatch.setattr(webbrowser, "open", browser)
    monkeypatch.setenv("YOMI_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    with BearerGate(centre.server.base_url, READER_B, oidc_provider.userinfo_url) as gate:
        config = tmp_path / "centre.toml"
        config.write_text(f'[centre]\nname = "Centre"\ndicomweb_url = "{gate.url}/dicom-web"\nhas_ups = true\n'
                          f'oidc_issuer = "{oidc_provider.issuer}"\noidc_client_id = "{CLIENT_ID}"\nprefetch = 0\n',
                          encoding="utf-8")

        def use(win, seen):
            seen["studies"] = {i.study_uid for i in win.worklist.items}
            win.close()

        rc, seen = run_logged_in(qtbot, ["--config", str(config)], PW, use, user_id="dr.sato")
        assert rc == 0, capsys.readouterr().err
        assert seen["studies"] == {centre.b1.uid}
        bearers = {s.authorization for s in gate.seen}
        assert bearers and all(b.startswith("Bearer ") for b in bearers) and all(s.let_through for s in gate.seen)
    assert len(forgotten) == 1  # at logout

@pytest.mark.orthanc
@pytest.mark.parametrize("signed_in_as", ["sub-sato", "sub-takahashi"])
def test_pull_signs_in_at_the_provider_bound_to_the_account(centre, oidc_provider, tmp_path, monkeypatch, capsys,
                                                            signed_in_as) -> None:
    """`yomi pull` with `oidc_issuer`: the bearer of the account's own provider identity reaches
    the centre; a browser signed in as someone else is refused before any centre request."""
    from app.main import main
    from tests.centre.support import NAME_B, READER_B
    from tests.identity.support import make_station
    from tests.oidc.bearer_gate import BearerGate

    station = make_station(tmp_path / "station", monkeypatch)
    e = station.add("dr.sato", dicom_name=NAME_B, centre_user=READER_B[0])
    station.bind_oidc("dr.sato", "sub-sato")
    station.login_env(monkeypatch, e)
    browser = FormBrowser(signed_in_as)
    monkeypatch.setattr(webbrowser, "open", browser)
    monkeypatch.setenv("YOMI_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    out = tmp_path / "pulled"
    with BearerGate(centre.server.base_url, READER_B, oidc_provider.userinfo_url) as gate:
        config = tmp_path / "centre.toml"
        config.write_text(f'[centre]\ndicomweb_url = "{gate.url}/dicom-web"\nhas_ups = true\n'
                          f'oidc_issuer = "{oidc_provider.issuer}"\noidc_client_id = "{CLIENT_ID}"\n', encoding="utf-8")
        rc = main(["pull", centre.b1.uid, "--out", str(out), "--config", str(config)])
        err = capsys.readouterr().err
        if signed_in_as == "sub-sato":
            assert rc == 0, err
            assert len(list(out.glob("*.dcm"))) == len(centre.b1.sops)
            assert gate.seen and all(s.authorization.startswith("Bearer ") and s.let_through for s in gate.seen)
        else:
            assert rc == 2 and "another person" in err and not out.exists()
            assert gate.seen == []
