"""The DICOM audit message (PS3.15 A.5.1, RFC 3881 schema) of one event, as XML text.

This is what an Audit Record Repository takes (`forwarder` sends it over syslog/TLS, RFC 5425,
security.md row 15). Every attribute comes from a typed field of the event, so nothing reaches
the message that the event did not carry.

The output is valid against the schema of PS3.15 A.5.1.1 kept in ``resources/audit/`` (the
tests validate every emitter's message against it). In particular ParticipantObjectDescription
holds only the schema's elements: the instance count and UIDs go in
``<SOPClass NumberOfInstances=".." UID=".."><Instance UID=".."/></SOPClass>``; a free-text
description (written by earlier versions as "N instances") is rendered as that count, or left
out when it is not a count, since the schema has no place for text there.
"""
from __future__ import annotations

import base64
import re
import socket
import xml.etree.ElementTree as ET
from datetime import timezone

from app.audit.events import AuditEvent, Code, ParticipantObject

__all__ = ["to_dicom_xml"]

# RFC 3881 audit source type 1: End-user display device, diagnostic display.
_SOURCE_TYPE = Code("1", "DCM", "End-user display device")

_LEGACY_COUNT = re.compile(r"^(\d+) instances?$")


def _description(parent: ET.Element, o: ParticipantObject) -> None:
    count, listed = o.instance_count, o.instances
    if not count and not listed and o.description:
        m = _LEGACY_COUNT.match(o.description.strip())
        count = int(m.group(1)) if m else 0
    count = count or len(listed)
    if not count and not o.sop_class_uid:
        return
    desc = ET.SubElement(parent, "ParticipantObjectDescription")
    attrs = {"UID": o.sop_class_uid} if o.sop_class_uid else {}
    sop = ET.SubElement(desc, "SOPClass", {**attrs, "NumberOfInstances": str(count)})
    for uid in listed:
        ET.SubElement(sop, "Instance", {"UID": uid})


def _code_el(parent: ET.Element, tag: str, c: Code) -> ET.Element:
    return ET.SubElement(parent, tag, {"csd-code": c.code, "codeSystemName": c.scheme, "originalText": c.meaning})


def _utc_millis(event: AuditEvent) -> str:
    return (event.date_time.astimezone(timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"))


def to_dicom_xml(event: AuditEvent) -> str:
    """The DICOM PS3.15 A.5.1 audit message of one event (UTF-8 XML text)."""
    root = ET.Element("AuditMessage")
    ident = ET.SubElement(root, "EventIdentification", {
        "EventActionCode": event.action.value,
        "EventDateTime": _utc_millis(event),
        "EventOutcomeIndicator": str(int(event.outcome)),
    })
    _code_el(ident, "EventID", event.event_id)
    for t in event.event_types:
        _code_el(ident, "EventTypeCode", t)
    if event.outcome_description:
        ET.SubElement(ident, "EventOutcomeDescription").text = event.outcome_description
    for p in event.participants:
        attrs = {"UserID": p.user_id, "UserIsRequestor": "true" if p.user_is_requestor else "false"}
        if p.user_name:
            attrs["UserName"] = p.user_name
        if p.network_access_point_id:
            attrs["NetworkAccessPointID"] = p.network_access_point_id
            attrs["NetworkAccessPointTypeCode"] = str(int(p.network_access_point_type))
        el = ET.SubElement(root, "ActiveParticipant", attrs)
        if p.role:
            _code_el(el, "RoleIDCode", p.role)
    src = ET.SubElement(root, "AuditSourceIdentification",
                        {"AuditSourceID": event.source_id or f"yomi@{socket.gethostname()}"})
    _code_el(src, "AuditSourceTypeCode", _SOURCE_TYPE)
    for o in event.objects:
        el = ET.SubElement(root, "ParticipantObjectIdentification", {
            "ParticipantObjectID": o.object_id,
            "ParticipantObjectTypeCode": str(int(o.type_code)),
            "ParticipantObjectTypeCodeRole": str(int(o.type_role)),
        })
        _code_el(el, "ParticipantObjectIDTypeCode", o.id_type)
        if o.query:
            ET.SubElement(el, "ParticipantObjectQuery").text = base64.b64encode(o.query).decode("ascii")
        for dtype, value in o.details:
            # the schema types ParticipantObjectDetail/@value as base64Binary
            ET.SubElement(el, "ParticipantObjectDetail", {
                "type": dtype, "value": base64.b64encode(value.encode("utf-8")).decode("ascii")})
        _description(el, o)
    return ET.tostring(root, encoding="unicode")
