"""The "system browser" of the tests: what a reader does on the provider's page, done with
`requests` against the real provider, then the redirect followed to the station's listener.

`oidc-provider-mock`'s authorization page is a form (no JavaScript): a text field `sub` and
an Authorize button posting to the page's own URL, and a Deny button posting
`action=deny`. This class reads the page, finds those forms, posts what a person would, and
follows the 302 to the loopback listener, like a browser, in its own thread (the real
`webbrowser.open` returns at once). Hooks let a test play the attacker: change the
authorization URL before it is loaded, or the redirect before it is followed.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests


@dataclass
class _Form:
    action: str | None
    method: str
    fields: dict[str, str] = field(default_factory=dict)     # input/button name -> value


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._open: _Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._open = _Form(a.get("action"), (a.get("method") or "get").lower())
            self.forms.append(self._open)
        elif tag in ("input", "button") and self._open is not None and a.get("name"):
            self._open.fields[a["name"] or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


class FormBrowser:
    """Callable as `open_browser`: signs in as `sub` (or denies) on the provider's page."""

    def __init__(self, sub: str = "", *, deny: bool = False,
                 tamper_url: Callable[[str], str] | None = None,
                 tamper_redirect: Callable[[str], str] | None = None,
                 follow: bool = True) -> None:
        self.sub = sub
        self.deny = deny
        self.tamper_url = tamper_url
        self.tamper_redirect = tamper_redirect
        self.follow = follow
        self.opened: list[str] = []
        self.redirect: str = ""                       # the provider's Location, as received
        self.callback: requests.Response | None = None  # the station's page
        self.error: BaseException | None = None
        self.done = threading.Event()

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        threading.Thread(target=self._run, args=(url,), daemon=True).start()
        return True

    @property
    def query(self) -> dict[str, str]:
        """The authorization request's parameters."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.opened[-1]).query).items()}

    @property
    def code(self) -> str:
        return parse_qs(urlsplit(self.redirect).query).get("code", [""])[0]

    def wait(self, timeout_s: float = 10.0) -> None:
        assert self.done.wait(timeout_s), "the test browser did not finish"
        if self.error is not None:
            raise self.error

    def _run(self, url: str) -> None:
        try:
            self._drive(self.tamper_url(url) if self.tamper_url else url)
        except BaseException as exc:  # reported to the test through wait()
            self.error = exc
        finally:
            self.done.set()

    def _drive(self, url: str) -> None:
        with requests.Session() as s:
            s.trust_env = False
            page = s.get(url, timeout=10)
            assert page.status_code == 200, f"authorization page answered {page.status_code}: {page.text[:300]}"
            parser = _FormParser()
            parser.feed(page.text)
            if self.deny:
                form = next(f for f in parser.forms if f.fields.get("action") == "deny")
                data = {"action": "deny"}
            else:
                form = next(f for f in parser.forms if "sub" in f.fields)
                data = {"sub": self.sub}
            assert form.method == "post"
            answer = s.post(urljoin(url, form.action or url), data=data, timeout=10, allow_redirects=False)
            assert answer.status_code in (302, 303), f"provider answered {answer.status_code}: {answer.text[:300]}"
            self.redirect = answer.headers["Location"]
            if self.follow:
                target = self.tamper_redirect(self.redirect) if self.tamper_redirect else self.redirect
                self.callback = s.get(target, timeout=10)
