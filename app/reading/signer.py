"""Who signs: the reader re-authenticates for every signature; a window without a session
(a bare window in tests) signs under its reader name, and the audit trail says so."""
from __future__ import annotations

import logging
from typing import Any

from app import audit
from app.report.identity import Signer

log = logging.getLogger(__name__)


def needs_reauthentication(session: Any) -> bool:
    return session is not None


def authenticate_signer(session: Any, reader: str, organisation: str, password: str | None, *,
                        report_id: str) -> Signer:
    """The signer of `report_id`; raises app.session.SessionError on a wrong password."""
    if session is None:
        audit.security_alert(reader, audit.C.USE_OF_RESTRICTED_FUNCTION, f"report:{report_id}",
                             "report signed without re-authentication: no reader session")
        log.warning("report %s signed without re-authentication (no session)", report_id)
        return Signer(reader, reader, organisation)
    session.reauthenticate(password or "")
    user = session.user
    return Signer(user.dicom_name, user.user_id, organisation)
