"""QIDO-RS, WADO-RS and STOW-RS over one `requests.Session` per centre (auth, TLS, retries).

Every failure leaves this module as one of worklist.centre's typed errors with a one-line
reason naming the URL (query string dropped, it may carry names) and never a credential.

Nothing a server sends is trusted for size or time: each request has a deadline for its
last byte (`deadline_s`; DeadlineExceeded), a JSON answer may not pass `max_answer_bytes` and
one multipart part (an instance) `max_part_bytes` (TooLarge), both counted as bytes arrive;
UIDs from callers and answers are checked (common.uids) before they go into a URL.
"""
from __future__ import annotations

import io
import logging
import ssl
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from common.uids import InvalidUid, require_uid
from worklist import http_bounds
from worklist.centre import (
    BadData,
    CentreError,
    DeadlineExceeded,
    Forbidden,
    NotFound,
    ServerError,
    StoreRefused,
    TLSFailure,
    TooLarge,
    Unauthorised,
    Unreachable,
)
from worklist.dicom_json import dataset_from_json, json_array
from worklist.multipart import Part, build_related, iter_parts

__all__ = ["ClientSettings", "DicomWebClient", "StowResult", "query_string", "uid_for_url"]

log = logging.getLogger(__name__)

DICOM_JSON = "application/dicom+json"
ACCEPT_INSTANCE = 'multipart/related; type="application/dicom"; transfer-syntax=*'
ACCEPT_FRAMES = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
# Only these are repeated after a failure: a repeated PUT of a UPS state is not idempotent
# (the second one meets IN PROGRESS and fails), and STOW is retried by the durable outbox,
# which owns the exactly-once rule.
_RETRY_METHODS = frozenset({"GET", "HEAD"})
_RETRY_STATUS = frozenset({429, 502, 503, 504})
_MAX_BACKOFF_S = 8.0
# A server's Retry-After is honoured up to this: a reader waits for the answer.
_MAX_RETRY_AFTER_S = 10
# QIDO values go out as typed where a URL allows it: Orthanc 1.10 does not percent-decode
# them (PLATFORM-NOTES). '^' is not allowed raw in a URL and urllib3 always encodes it, so
# callers that match a person name put the '?' wildcard in its place and filter exactly
# on the answers (see qido_worklist.py).
_QIDO_SAFE = "*-,.=_?"


@dataclass(frozen=True)
class ClientSettings:
    """How to reach one centre. `secret` is a password (basic) or a token (bearer).

    `auth_handler`, when given, signs every request instead (e.g. worklist.bearer_auth's
    BearerAuth over a sign-in session that renews its token); user and secret are then unused.

    Bounds: `deadline_s` is the most one request may take until its last byte (a 512 MiB
    instance at 5 MB/s fits), `series_deadline_s` the same for a whole series in one
    multipart answer (`iter_series`); `max_answer_bytes` caps a JSON answer (the
    largest real one, a 3000-slice series' metadata, is some 30 MB) and `max_part_bytes` one
    instance of a multipart answer (as common.dicom_bounds caps one file).
    """

    base_url: str
    user: str = ""
    secret: str = field(default="", repr=False)
    auth: str = "basic"  # "basic" | "bearer"
    ca_bundle: Path | None = None
    client_cert: Path | None = None     # the station's TLS certificate, for a centre that asks for one
    client_key: Path | None = None      # its key; None: the key is in client_cert's PEM
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retries: int = 3
    backoff: float = 0.5
    pool_size: int = 4
    deadline_s: float = 120.0
    series_deadline_s: float = 900.0
    max_answer_bytes: int = 256 * 1024 * 1024
    max_part_bytes: int = 512 * 1024 * 1024
    auth_handler: AuthBase | None = field(default=None, repr=False, compare=False)


@dataclass
class StowResult:
    """What a STOW-RS answer says about each instance sent."""

    status: int
    stored: list[str] = field(default_factory=list)            # in (0008,1199), not in (0008,1198)
    failed: dict[str, str] = field(default_factory=dict)        # SOP UID -> Failure Reason (0008,1197)
    warnings: dict[str, str] = field(default_factory=dict)      # SOP UID -> Warning Reason (0008,1196)


def query_string(params: Mapping[str, str | Sequence[str]]) -> str:
    """Build a QIDO query string, leaving `* - , .` unencoded (Orthanc matches only those)."""
    items: list[str] = []
    for key, value in params.items():
        values = [value] if isinstance(value, str) else list(value)
        for v in values:
            items.append(f"{quote(str(key), safe='')}={quote(str(v), safe=_QIDO_SAFE)}")
    return "&".join(items)


def uid_for_url(uid: object, what: str, study_uid: str = "") -> str:
    """A UID checked before it becomes part of a URL path: BadData naming it otherwise (a
    server-sent "../../tools/reset?x=" must not reach another resource with our credentials)."""
    try:
        return require_uid(uid, what)
    except InvalidUid as exc:
        raise BadData(str(exc), study_uid=study_uid if isinstance(study_uid, str) and len(study_uid) <= 64 else "") \
            from None


def _safe_url(url: str) -> str:
    """The URL for a message: no user info, no query (it may carry names)."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class _IdempotentRetry(Retry):
    """urllib3's Retry (counts, backoff, Retry-After), narrowed to what may be repeated here.

    Stock Retry repeats any method after a connect error; here a method outside
    `allowed_methods` (a STOW POST, a UPS state PUT) is never sent twice by urllib3, so the
    outbox, which owns exactly-once delivery, sees every attempt. A read timeout is not
    repeated either: it has already made the reader wait the full read timeout.
    """

    def increment(self, method: str | None = None, url: str | None = None, *args: Any, **kwargs: Any) -> "Retry":
        error = kwargs.get("error", args[1] if len(args) > 1 else None)
        if isinstance(error, ReadTimeoutError):
            raise error
        if method is not None and not self._is_method_retryable(method):
            # exhausted at once: the error (or the response) goes back to our caller
            return Retry.increment(self.new(total=0), method, url, *args, **kwargs)
        log.info("retrying %s after %s", _safe_url(url or ""), type(error).__name__ if error else "a busy answer")
        return super().increment(method, url, *args, **kwargs)


def _retry(settings: "ClientSettings") -> Retry:
    n = max(0, settings.retries)
    return _IdempotentRetry(
        total=n, connect=n, read=n, status=n,
        other=0,                 # TLS and other errors do not heal by repeating
        redirect=0, raise_on_redirect=False,   # redirects are answered, not followed
        allowed_methods=_RETRY_METHODS, status_forcelist=_RETRY_STATUS,
        raise_on_status=False,   # the last 5xx answer comes back and becomes ServerError
        respect_retry_after_header=True, retry_after_max=_MAX_RETRY_AFTER_S,
        backoff_factor=settings.backoff, backoff_max=_MAX_BACKOFF_S,
    )


class _DropQuery(logging.Filter):
    """urllib3 logs retried and pooled URLs with their query, which may carry names: cut it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] if isinstance(a, str) and "?" in a else a
                                for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_DropQuery())


def _tls_context(ca_bundle: Path | None, client_cert: Path | None = None,
                 client_key: Path | None = None) -> ssl.SSLContext:
    # A configured bundle replaces the system store: a centre's private CA is then the only
    # trust anchor for it. Verification and hostname checks are on and cannot be turned off.
    ctx = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if client_cert is not None:
        ctx.load_cert_chain(str(client_cert), str(client_key) if client_key else None)
    return ctx


class _TLSAdapter(HTTPAdapter):
    """Uses our SSL context for every connection, whatever `verify` a caller passes."""

    def __init__(self, ctx: ssl.SSLContext, pool_size: int, retry: Retry) -> None:
        self._ctx = ctx
        super().__init__(pool_connections=1, pool_maxsize=pool_size, max_retries=retry)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._ctx
        super().init_poolmanager(*args, **kwargs)
        http_bounds.install(self.poolmanager)

    def proxy_manager_for(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        kwargs["ssl_context"] = self._ctx
        return super().proxy_manager_for(*args, **kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # type: ignore[override]
        host_params, _ = super().build_connection_pool_key_attributes(request, True, cert)
        return host_params, {"ssl_context": self._ctx, "cert_reqs": "CERT_REQUIRED"}

    def cert_verify(self, conn, url, verify, cert) -> None:  # type: ignore[override]
        # Trust comes from the context alone (no certifi, no REQUESTS_CA_BUNDLE, no verify=False).
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None


class _PlainAdapter(HTTPAdapter):
    """Plain HTTP (tests, a centre on the same host): the same deadline on every receive."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_bounds.install(self.poolmanager)


def _tls_reason(exc: Exception) -> str:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        if "Hostname mismatch" in text or "IP address mismatch" in text:
            return "certificate does not name this server"
        return "certificate not issued by a trusted CA"
    if "PROTOCOL_VERSION" in text or "protocol version" in text or "UNSUPPORTED_PROTOCOL" in text:
        return "server offers only TLS older than 1.2"
    return "TLS handshake failed"


class DicomWebClient:
    """One centre's DICOMweb endpoints. Thread-safe for the retrieval pool (requests' pool)."""

    def __init__(self, settings: ClientSettings) -> None:
        if settings.auth not in ("basic", "bearer"):
            raise ValueError(f"auth must be 'basic' or 'bearer', not {settings.auth!r}")
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        s = requests.Session()
        # No .netrc, no environment CA bundle: trust and credentials come from the config only.
        s.trust_env = False
        # One pool of `pool_size` connections per centre, shared by every thread of the
        # worklist and retrieval pools (requests' session is safe for that use: no cookies,
        # one adapter, urllib3's pool is locked); repeats are urllib3's (see _IdempotentRetry).
        retry = _retry(settings)
        ctx = _tls_context(settings.ca_bundle, settings.client_cert, settings.client_key)
        adapter = _TLSAdapter(ctx, max(1, settings.pool_size), retry)
        s.mount("https://", adapter)
        s.mount("http://", _PlainAdapter(pool_connections=1, pool_maxsize=max(1, settings.pool_size),
                                         max_retries=retry))
        if settings.auth_handler is not None:
            s.auth = settings.auth_handler
        elif settings.auth == "basic" and settings.user:
            s.auth = (settings.user, settings.secret)
        elif settings.auth == "bearer" and settings.secret:
            s.headers["Authorization"] = f"Bearer {settings.secret}"
        s.headers["User-Agent"] = "Yomi-DICOMweb/0.1"
        self._session = s
        if urlsplit(self.base_url).scheme == "http":
            log.warning("centre %s is plain HTTP: no TLS", _safe_url(self.base_url))

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> "DicomWebClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -----------------------------------------------------------------------

    def url(self, path: str, query: Mapping[str, str | Sequence[str]] | None = None) -> str:
        u = f"{self.base_url}/{path.lstrip('/')}"
        return f"{u}?{query_string(query)}" if query else u

    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, data: Any = None, stream: bool = False,
                ok: Iterable[int] = (200,), study_uid: str = "",
                deadline_s: float | None = None) -> requests.Response:
        """Send one request; statuses in `ok` come back, every other outcome raises typed.

        GET/HEAD are repeated by urllib3 after a connect error, a broken answer or a
        429/502/503/504 (honouring Retry-After); nothing else is repeated here.
        """
        url = self.url(path, query)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        allowed = self.settings.deadline_s if deadline_s is None else deadline_s
        at = time.monotonic() + allowed
        try:
            with http_bounds.deadline(at):
                # always streamed here: a body is read by us, counted against its cap
                resp = self._session.request(method.upper(), url, headers=dict(headers or {}), data=data,
                                             stream=True, timeout=timeout, allow_redirects=False)
                if resp.status_code in set(ok) and not stream:
                    self._read_capped(resp, url, study_uid)
        except requests.exceptions.SSLError as exc:
            raise TLSFailure(f"TLS with {_safe_url(url)} refused: {_tls_reason(exc)}",
                             url=_safe_url(url), study_uid=study_uid) from None
        except requests.exceptions.ReadTimeout:
            self._raise_if_late(at, allowed, url, study_uid)
            raise Unreachable(f"{_safe_url(url)} gave no answer within {self.settings.read_timeout:g} s",
                              url=_safe_url(url), study_uid=study_uid) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            self._raise_if_late(at, allowed, url, study_uid)
            raise Unreachable(f"cannot reach {_safe_url(url)} ({type(exc).__name__})",
                              url=_safe_url(url), study_uid=study_uid) from None
        if resp.status_code in set(ok):
            resp.yomi_deadline = (at, allowed)  # type: ignore[attr-defined]  # a streamed body keeps it
            return resp
        raise self._error(resp, url, study_uid)

    @staticmethod
    def _raise_if_late(at: float, allowed: float, url: str, study_uid: str) -> None:
        if time.monotonic() >= at:
            raise DeadlineExceeded(f"{_safe_url(url)} did not finish its answer within "
                                   f"{allowed:g} s", url=_safe_url(url),
                                   study_uid=study_uid) from None

    def _read_capped(self, resp: requests.Response, url: str, study_uid: str) -> None:
        """Read a whole (non-multipart) body, counting bytes as they arrive."""
        cap = self.settings.max_answer_bytes
        where = _safe_url(url)
        what = f"the answer of {where}" + (f" for study {study_uid}" if study_uid else "")
        declared = resp.headers.get("Content-Length", "")
        try:
            if declared.isdigit() and int(declared) > cap:
                raise http_bounds.SizeCapPassed(int(declared), cap)
            body = http_bounds.read_capped(resp.iter_content(chunk_size=64 * 1024), cap)
        except http_bounds.SizeCapPassed:
            resp.close()
            raise TooLarge(f"{what} is larger than the {cap // (1024 * 1024)} MiB limit",
                           url=where, study_uid=study_uid) from None
        resp._content = body  # what requests' .content/.json() read
        resp._content_consumed = True
        resp.close()  # the body is read: the connection goes back to the pool

    @staticmethod
    def _error(resp: requests.Response, url: str, study_uid: str) -> CentreError:
        code = resp.status_code
        where = _safe_url(url)
        resp.close()
        if code == 401:
            return Unauthorised(f"{where} refused the credentials (401)", url=where, study_uid=study_uid)
        if code == 403:
            return Forbidden(f"{where} does not allow this reader (403)", url=where, study_uid=study_uid)
        if code == 404:
            return NotFound(f"{where} not found (404)", url=where, study_uid=study_uid)
        if code >= 500:
            return ServerError(f"{where} failed on the server ({code})", url=where, study_uid=study_uid)
        return BadData(f"{where} rejected the request ({code})", url=where, study_uid=study_uid)

    def _json(self, resp: requests.Response, what: str) -> Any:
        if resp.status_code == 204 or not resp.content:
            return []
        try:
            return resp.json()
        except ValueError:
            raise BadData(f"{_safe_url(resp.url)} answered {what} that is not JSON",
                          url=_safe_url(resp.url)) from None

    # --- QIDO-RS -----------------------------------------------------------------------------

    def search(self, level_path: str, match: Mapping[str, str] | None = None,
               includefield: Sequence[str] = (), limit: int | None = None,
               offset: int | None = None) -> list[dict]:
        """QIDO-RS at `studies`, `studies/{uid}/series`, `.../instances` etc.; 204 means none."""
        query: dict[str, Any] = dict(match or {})
        if includefield:
            query["includefield"] = list(includefield)
        if limit is not None:
            query["limit"] = str(limit)
        if offset is not None:
            query["offset"] = str(offset)
        resp = self.request("GET", level_path, query=query, headers={"Accept": DICOM_JSON}, ok=(200, 204))
        result = self._json(resp, "a search result")
        if not isinstance(result, list):
            raise BadData(f"{_safe_url(resp.url)} answered a search with something other than a list")
        return result

    def search_studies(self, match: Mapping[str, str] | None = None, includefield: Sequence[str] = (),
                       limit: int | None = None) -> list[dict]:
        return self.search("studies", match, includefield, limit)

    def search_series(self, study_uid: str, match: Mapping[str, str] | None = None,
                      includefield: Sequence[str] = ()) -> list[dict]:
        study_uid = uid_for_url(study_uid, "Study Instance UID")
        return self.search(f"studies/{study_uid}/series", match, includefield)

    def search_instances(self, study_uid: str, series_uid: str | None = None,
                         match: Mapping[str, str] | None = None, includefield: Sequence[str] = (),
                         limit: int | None = None, offset: int | None = None) -> list[dict]:
        study_uid = uid_for_url(study_uid, "Study Instance UID")
        if series_uid:
            series_uid = uid_for_url(series_uid, "Series Instance UID", study_uid)
        path = f"studies/{study_uid}/series/{series_uid}/instances" if series_uid else f"studies/{study_uid}/instances"
        return self.search(path, match, includefield, limit, offset)

    # --- WADO-RS -----------------------------------------------------------------------------

    def series_metadata(self, study_uid: str, series_uid: str) -> list[dict]:
        study_uid, series_uid = _series_path_uids(study_uid, series_uid)
        resp = self.request("GET", f"studies/{study_uid}/series/{series_uid}/metadata",
                            headers={"Accept": DICOM_JSON}, study_uid=study_uid)
        if resp.status_code == 204 or not resp.content:
            return []
        # Element by element: a 1000-slice series' metadata is ~11 MB of JSON (dicom_json.json_array).
        # DICOM JSON is UTF-8 (PS3.18 F.2); guessing the charset of 11 MB would cost seconds.
        try:
            body = resp.content.decode("utf-8")
        except UnicodeDecodeError:
            raise BadData(f"series metadata of study {study_uid} is not UTF-8 JSON", study_uid=study_uid) from None
        try:
            return json_array(body, what=f"series metadata of study {study_uid}")
        except BadData as exc:
            raise BadData(str(exc), study_uid=study_uid) from None

    def _multipart(self, path: str, accept: str, study_uid: str, deadline_s: float | None = None) -> Iterator[Part]:
        # identity: Orthanc gzips on request, which costs ~45 ms per CT slice for ~2x on
        # pixel data; JSON answers keep requests' default (gzip helps them over a WAN).
        resp = self.request("GET", path, headers={"Accept": accept, "Accept-Encoding": "identity"},
                            stream=True, study_uid=study_uid, deadline_s=deadline_s)
        at, allowed = resp.yomi_deadline  # type: ignore[attr-defined]
        what = f"answer of {_safe_url(resp.url)} for study {study_uid}"
        try:
            parts = iter_parts(_chunks_until(resp, at), resp.headers.get("Content-Type", ""),
                               self.settings.max_part_bytes, what)
            for part in parts:
                yield part
        except TooLarge as exc:
            raise TooLarge(exc.reason, url=_safe_url(resp.url), study_uid=study_uid) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError):
            self._raise_if_late(at, allowed, resp.url, study_uid)
            raise Unreachable(f"{_safe_url(resp.url)} broke off the transfer", url=_safe_url(resp.url),
                              study_uid=study_uid) from None
        finally:
            resp.close()

    def retrieve_instance(self, study_uid: str, series_uid: str, sop_uid: str) -> bytes:
        """One instance as DICOM Part 10 bytes, in the transfer syntax the server holds."""
        study_uid, series_uid = _series_path_uids(study_uid, series_uid)
        sop_uid = uid_for_url(sop_uid, "SOP Instance UID", study_uid)
        parts = list(self._multipart(f"studies/{study_uid}/series/{series_uid}/instances/{sop_uid}",
                                     ACCEPT_INSTANCE, study_uid))
        if len(parts) != 1:
            raise BadData(f"instance {sop_uid} came back as {len(parts)} parts", study_uid=study_uid)
        return parts[0].body

    def iter_series(self, study_uid: str, series_uid: str) -> Iterator[bytes]:
        """All instances of a series in one request, each as soon as it has arrived."""
        study_uid, series_uid = _series_path_uids(study_uid, series_uid)
        for part in self._multipart(f"studies/{study_uid}/series/{series_uid}", ACCEPT_INSTANCE, study_uid,
                                    self.settings.series_deadline_s):
            yield part.body

    def retrieve_frames(self, study_uid: str, series_uid: str, sop_uid: str,
                        frames: Sequence[int] = (1,)) -> list[bytes]:
        """Pixel data of frames (1-based), as stored (may be compressed)."""
        nums = ",".join(str(int(f)) for f in frames)
        study_uid, series_uid = _series_path_uids(study_uid, series_uid)
        sop_uid = uid_for_url(sop_uid, "SOP Instance UID", study_uid)
        path = f"studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/frames/{nums}"
        return [p.body for p in self._multipart(path, ACCEPT_FRAMES, study_uid)]

    # --- STOW-RS -----------------------------------------------------------------------------

    def store(self, instances: Iterable[bytes], study_uid: str | None = None) -> StowResult:
        """POST instances; returns what the server says it stored and refused.

        400/409/415 raise BadData naming the failure reasons; 200 and 202 return.
        """
        content_type, body = build_related(instances, "application/dicom")
        if study_uid:
            study_uid = uid_for_url(study_uid, "Study Instance UID")
        path = f"studies/{study_uid}" if study_uid else "studies"
        resp = self.request("POST", path, data=body, study_uid=study_uid or "",
                            headers={"Content-Type": content_type, "Accept": DICOM_JSON},
                            ok=(200, 202, 400, 409, 415))
        result = _stow_result(resp.status_code, self._json(resp, "a STOW-RS result") if resp.content else {})
        if resp.status_code in (400, 409, 415):
            reasons = ", ".join(f"{uid} {code}" for uid, code in result.failed.items()) or "no reason given"
            raise StoreRefused(f"{_safe_url(resp.url)} refused the instances ({resp.status_code}): {reasons}",
                               failures=result.failed, status=resp.status_code,
                               url=_safe_url(resp.url), study_uid=study_uid or "")
        return result


def _series_path_uids(study_uid: object, series_uid: object) -> tuple[str, str]:
    study = uid_for_url(study_uid, "Study Instance UID")
    return study, uid_for_url(series_uid, "Series Instance UID", study)


def _chunks_until(resp: requests.Response, at: float) -> Iterator[bytes]:
    """A streamed body's chunks, each received under the request's deadline (whichever
    thread consumes the generator)."""
    chunks = resp.iter_content(chunk_size=256 * 1024)
    while True:
        with http_bounds.deadline(at):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def _reason(code: Any) -> str:
    return f"0x{int(code):04X}" if isinstance(code, int) else str(code)


def _stow_result(status: int, body: Any) -> StowResult:
    result = StowResult(status)
    if isinstance(body, list):  # some servers wrap the dataset in a list
        body = body[0] if body else {}
    ds = dataset_from_json(body, what="STOW-RS answer", keep=("00081198", "00081199"))
    for item in ds.get("FailedSOPSequence") or []:
        result.failed[str(item.get("ReferencedSOPInstanceUID", ""))] = _reason(item.get("FailureReason", ""))
    for item in ds.get("ReferencedSOPSequence") or []:
        uid = str(item.get("ReferencedSOPInstanceUID", ""))
        warning = item.get("WarningReason")
        if warning is not None:
            result.warnings[uid] = _reason(warning)
        if uid and uid not in result.failed:
            result.stored.append(uid)
    return result


def sop_uid_of(data: bytes) -> str:
    """The SOP Instance UID of encoded DICOM bytes (to check a STOW answer names ours)."""
    import pydicom

    try:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, specific_tags=["SOPInstanceUID"])
        return str(ds.SOPInstanceUID)
    except Exception as exc:  # pydicom raises many kinds on garbage
        raise BadData(f"not a DICOM instance ({type(exc).__name__})") from None
