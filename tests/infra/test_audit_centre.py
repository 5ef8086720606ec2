"""Centre failures that matter to security reach the audit trail (security.md rows 4, 7, 13)."""
from __future__ import annotations

from app import audit
from worklist.centre import Forbidden, ServerError, TLSFailure, Unauthorised, Unreachable


def test_security_relevant_centre_failures_are_audited(tmp_path):
    log = audit.AuditLog(tmp_path / "audit.log")
    url = "https://pacs.example.org/dicom-web"
    tls = audit.centre_refused("dr.sato", url, TLSFailure("certificate verify failed", url=url), log=log)
    forbidden = audit.centre_refused("dr.sato", url, Forbidden("403", url=url), log=log)
    creds = audit.centre_refused("dr.sato", url, Unauthorised("401", url=url), log=log)
    assert audit.centre_refused("dr.sato", url, Unreachable("refused"), log=log) is None
    assert audit.centre_refused("dr.sato", url, ServerError("500"), log=log) is None
    assert [tls.event_id.code, tls.event_types[0].code] == ["110113", "110126"]
    assert [forbidden.event_id.code, forbidden.event_types[0].code] == ["110113", "110132"]
    assert creds.event_id.code == "110114" and creds.outcome != audit.Outcome.SUCCESS
    assert [r.event.event_id.code for r in log.records()] == ["110113", "110113", "110114"]
    assert log.verify().ok
