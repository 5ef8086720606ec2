"""Orthanc Python plugin script: per-reader access and a UPS-RS worklist (see README.md).

Configure Orthanc with  "Plugins": [... libOrthancPython.so],  "PythonScript": "<this file>"
and a "YomiCentre" section. This file is the glue between Orthanc's callbacks and the
`yomi_centre` package next to it:
- an HTTP filter (`RegisterIncomingHttpRequestFilter`) decides per request (access.py);
- REST callbacks serve /workitems under the DICOMweb root (ups.py);
- a received-instance callback refuses what a reader's STOW sends outside their studies.
A configuration or state file that cannot be used makes the plugin refuse every request
(fail closed) rather than let readers through unchecked.
With "Authentication": "plugin" the filter also authenticates every request itself (authn.py:
basic against RegisteredUsers, bearer tokens at the provider's userinfo endpoint), since
Orthanc then runs with its own check off.
"""
import json
import os
import sys
import threading

import orthanc

_SCRIPT = json.loads(orthanc.GetConfiguration()).get("PythonScript", "")
if not os.path.isabs(_SCRIPT):
    _SCRIPT = os.path.join(os.path.dirname(os.path.abspath(orthanc.GetConfigurationPath())), _SCRIPT)
sys.path.insert(0, os.path.dirname(os.path.abspath(_SCRIPT)))

from yomi_centre.access import Gate, Refusal, StowContext  # noqa: E402
from yomi_centre.assignments import Assignments  # noqa: E402
from yomi_centre.authn import Authn, PluginAuthenticator  # noqa: E402
from yomi_centre.config import PLUGIN_AUTH, ConfigError, parse_config  # noqa: E402
from yomi_centre.double_reading import DoubleReading  # noqa: E402
from yomi_centre.identity import BearerResolver, request_user  # noqa: E402
from yomi_centre.orthanc_api import EmbeddedApi  # noqa: E402
from yomi_centre.routes import Kind, parse_route, safe_path  # noqa: E402
from yomi_centre.store import StoreError, WorkitemStore  # noqa: E402
from yomi_centre.ups import Answer, UpsService  # noqa: E402
from yomi_centre.userinfo import UserinfoVerifier  # noqa: E402

_PREFIX = "yomi-centre: "
_REALM = "yomi-centre"
_OWN_ROUTES = (Kind.WORKITEMS, Kind.WORKITEM, Kind.WORKITEM_STATE)
# Plugin mode: nginx's auth_request asks here first, so that every route can answer 401
# (Orthanc 1.10's filter can only refuse with 403); see README "Bearer tokens".
AUTHN_ROUTE = "/yomi-centre/authn"
_METHODS = {orthanc.HttpMethod.GET: "GET", orthanc.HttpMethod.POST: "POST",
            orthanc.HttpMethod.PUT: "PUT", orthanc.HttpMethod.DELETE: "DELETE"}
# An instance body Orthanc cannot parse: answering a refused STOW instance with it makes the
# DICOMweb plugin leave the instance out of the stored list (DISCARD would be reported stored).
_UNSTORABLE = b"refused by yomi-centre"
# HTTP thread -> the reader's STOW in progress on it: the DICOMweb plugin stores each
# instance from inside the request's own thread, where the received-instance callback runs.
_stow_by_thread: dict = {}
# HTTP thread -> plugin mode's authentication of the request in progress, so that the
# workitem callbacks (same thread, right after the filter) do not ask the provider again.
_authn_by_thread: dict = {}
# A seam for the default mode: a function from a bearer token to an Orthanc login. None
# installed. It cannot help there anyway (Orthanc with AuthenticationEnabled answers 401 to
# a bearer request before the filter runs); bearer tokens are plugin mode's (authn.py).
BEARER_RESOLVER: "BearerResolver | None" = None


def _refusal_log(user, method, uri, why: Refusal) -> None:
    orthanc.LogWarning(f"{_PREFIX}refused user={user} {method} {safe_path(uri)} ({why.value})")


def _fail_closed(reason: str) -> None:
    orthanc.LogError(f"{_PREFIX}{reason}; every request is refused until this is fixed")

    def refuse_all(uri, **request):
        _refusal_log("-", _METHODS.get(request.get("method"), "?"), uri, Refusal.NOT_CONFIGURED)
        return False

    orthanc.RegisterIncomingHttpRequestFilter(refuse_all)


def _answer(output, answer: Answer) -> None:
    for name, value in answer.headers.items():
        output.SetHttpHeader(name, value)
    if answer.status == 200:
        output.AnswerBuffer(answer.body, answer.content_type)
    elif answer.body:
        output.SendHttpStatus(answer.status, answer.body, len(answer.body.encode("utf-8")))
    else:
        output.SendHttpStatusCode(answer.status)


def _refuse_unauthenticated(output, authn: Authn) -> None:
    """The answer of the plugin's own routes to a request plugin mode could not authenticate."""
    if authn.status == 401:
        output.SetHttpHeader("WWW-Authenticate", authn.challenge(_REALM))
        output.SendHttpStatusCode(401)    # SendUnauthorized would only offer Basic
    elif authn.status == 503:
        output.SetHttpHeader("Retry-After", "5")
        body = "the identity provider cannot be reached; try again later"
        output.SendHttpStatus(503, body, len(body))
    else:
        output.SendHttpStatusCode(403)


def _authenticator(config) -> PluginAuthenticator:
    subjects = {r.oidc_subject: r.login for r in config.readers.values() if r.oidc_subject}
    try:
        verifier = UserinfoVerifier(config.oidc)
    except (OSError, ValueError) as exc:       # ssl: an unreadable or invalid CaBundle
        raise ConfigError(f'"YomiCentre"."Oidc"."CaBundle" cannot be used ({type(exc).__name__})') from None
    return PluginAuthenticator(config.passwords, subjects, verifier)


def _start() -> None:
    full = json.loads(orthanc.GetConfiguration())
    try:
        config = parse_config(full)
        store = WorkitemStore(config.state_directory)
        plugin_auth = _authenticator(config) if config.authentication == PLUGIN_AUTH else None
    except (ConfigError, StoreError) as exc:
        _fail_closed(str(exc))
        return
    if plugin_auth is not None:
        orthanc.LogWarning(f"{_PREFIX}authentication by the plugin: basic against RegisteredUsers, bearer tokens "
                           f"at the provider's userinfo endpoint (cached up to {config.oidc.cache_seconds:g} s)")
    elif not config.authentication_enabled:
        orthanc.LogWarning(f"{_PREFIX}AuthenticationEnabled is not true: Orthanc checks no password, so basic "
                           "credentials are ignored and every request without a verified user is refused")
    unknown = sorted(login for login, r in config.readers.items()
                     if login not in config.registered_users and not (plugin_auth and r.oidc_subject))
    if unknown:
        orthanc.LogWarning(f"{_PREFIX}{len(unknown)} reader(s) under YomiCentre.Readers are not in RegisteredUsers"
                           + (" and have no oidc_subject" if plugin_auth else ""))
    assignments = Assignments(EmbeddedApi(orthanc), store, config)
    double = DoubleReading(EmbeddedApi(orthanc), config.roles_from_reading_order)
    gate = Gate(config, assignments, double)
    ups = UpsService(config, store, assignments)
    root = config.dicomweb_root

    def user_of(request) -> "str | None":
        return request_user(request.get("headers") or {}, BEARER_RESOLVER,
                            trust_basic=config.authentication_enabled)

    def own_route(uri: str, method: str) -> bool:
        if uri == AUTHN_ROUTE:
            return True
        route = parse_route(uri[len(root):], method) if uri.startswith(root) else None
        return route is not None and route.kind in _OWN_ROUTES

    def http_filter(uri, **request):
        method = _METHODS.get(request.get("method"), "?")
        tid = threading.get_ident()
        _stow_by_thread.pop(tid, None)
        _authn_by_thread.pop(tid, None)
        if plugin_auth is not None:
            try:
                authn = plugin_auth.authenticate(request.get("headers") or {})
            except Exception as exc:  # a failing check refuses, as below
                orthanc.LogError(f"{_PREFIX}authentication failed for {method} {safe_path(uri)}: {type(exc).__name__}")
                return False
            _authn_by_thread[tid] = authn
            if not authn.ok:
                if authn.detail:
                    orthanc.LogWarning(f"{_PREFIX}{authn.detail}")
                if own_route(uri, method):
                    return True      # its callback answers 401/403/503 itself (Orthanc's filter can only say 403)
                orthanc.LogWarning(f"{_PREFIX}refused user=- {method} {safe_path(uri)} ({authn.outcome.value})")
                return False
            if uri == AUTHN_ROUTE:
                return True          # nginx asks whether the credentials are good, nothing more
            user = authn.login
        else:
            user = user_of(request)
        try:
            decision = gate.decide(user, method, uri, request.get("get") or {})
        except Exception as exc:  # a failing check refuses: never let a reader through unchecked
            # the type only: a message could quote request data
            orthanc.LogError(f"{_PREFIX}check failed for {method} {safe_path(uri)}: {type(exc).__name__}")
            return False
        if decision.stow is not None:
            _stow_by_thread[tid] = decision.stow
        if not decision.allowed:
            _refusal_log(user, method, uri, decision.refusal)
        return decision.allowed

    def received(dicom: bytes, origin):
        ctx: StowContext | None = _stow_by_thread.get(threading.get_ident())
        if ctx is None:
            return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None
        try:
            tags = json.loads(orthanc.CreateDicomInstance(dicom).GetInstanceSimplifiedJson())
            study, patient = str(tags.get("StudyInstanceUID", "")), str(tags.get("PatientID", ""))
            snap = assignments.snapshot()
            ok = (not ctx.study or study == ctx.study) and snap.may_store(ctx.reader, study, patient)
            why = Refusal.STOW_NOT_ASSIGNED.value
            if ok:
                # a reading signed twice, a judgement before both readings, a role not assigned
                double_refusal = double.check_store(snap, ctx.reader, study, tags)
                if double_refusal is not None:
                    ok, why = False, double_refusal.value
        except Exception as exc:
            orthanc.LogError(f"{_PREFIX}STOW check failed: {type(exc).__name__}")
            ok, study, why = False, "", Refusal.INTERNAL.value
        if ok:
            return orthanc.ReceivedInstanceAction.KEEP_AS_IS, None
        orthanc.LogWarning(f"{_PREFIX}refused user={ctx.reader.login} STOW instance of study "
                           f"{safe_path(study) or '?'} ({why})")
        return orthanc.ReceivedInstanceAction.MODIFY, _UNSTORABLE

    def authenticated(handler):
        """In plugin mode a callback authenticates again (cached): the filter lets requests it
        could not authenticate through to these routes only so that they answer 401, and a
        reader of None here means staff, who see every workitem."""
        def callback(output, uri, **request):
            if plugin_auth is None:
                reader = gate.reader(user_of(request))
            else:
                authn = _authn_by_thread.pop(threading.get_ident(), None) or \
                    plugin_auth.authenticate(request.get("headers") or {})
                if not authn.ok:
                    orthanc.LogWarning(f"{_PREFIX}refused user=- {request.get('method', '?')} "
                                       f"{safe_path(uri)} ({authn.outcome.value})")
                    _refuse_unauthenticated(output, authn)
                    return
                reader = gate.reader(authn.login)
            handler(output, reader, request)
        return callback

    @authenticated
    def on_workitems(output, reader, request):
        if request["method"] == "GET":
            _answer(output, ups.search(reader, request.get("get") or {}))
        elif request["method"] == "POST":
            # a path, not a URL: behind the centre's TLS front the scheme and host are its own
            _answer(output, ups.create(reader, request.get("body") or b"", root))
        else:
            output.SendMethodNotAllowed("GET,POST")

    @authenticated
    def on_workitem(output, reader, request):
        uid = request["groups"][0]
        if request["method"] == "GET":
            _answer(output, ups.retrieve(reader, uid))
        elif request["method"] == "POST":
            _answer(output, ups.update(reader, uid, request.get("body") or b"", request.get("get") or {}))
        else:
            output.SendMethodNotAllowed("GET,POST")

    @authenticated
    def on_state(output, reader, request):
        if request["method"] != "PUT":
            output.SendMethodNotAllowed("PUT")
            return
        _answer(output, ups.change_state(reader, request["groups"][0], request.get("body") or b""))

    def on_authn(output, uri, **request):
        """204 when the request's credentials are good (what each route then allows is the
        filter's business, on the real request); else 401 with the challenge, 403 or 503."""
        authn = _authn_by_thread.pop(threading.get_ident(), None) or \
            plugin_auth.authenticate(request.get("headers") or {})
        if authn.ok:
            output.SendHttpStatusCode(204)
        else:
            orthanc.LogWarning(f"{_PREFIX}refused user=- (front's auth_request) ({authn.outcome.value})")
            _refuse_unauthenticated(output, authn)

    orthanc.RegisterIncomingHttpRequestFilter(http_filter)
    orthanc.RegisterReceivedInstanceCallback(received)
    if plugin_auth is not None:
        orthanc.RegisterRestCallback(AUTHN_ROUTE, on_authn)
    orthanc.RegisterRestCallback(f"{root}workitems", on_workitems)
    orthanc.RegisterRestCallback(f"{root}workitems/([^/]+)", on_workitem)
    orthanc.RegisterRestCallback(f"{root}workitems/([^/]+)/state", on_state)
    orthanc.RegisterRestCallback(f"{root}workitems/([^/]+)/state/([^/]+)", on_state)
    orthanc.LogWarning(f"{_PREFIX}ready: {len(config.readers)} reader(s), state in {config.state_directory}")


_start()
