"""Orthanc's built-in REST API as seen from inside the plugin (the only module calling it)."""
from __future__ import annotations

import json
from typing import Any, Protocol

__all__ = ["OrthancApi", "EmbeddedApi"]


class OrthancApi(Protocol):
    def get_json(self, path: str) -> Any: ...          # None when Orthanc has no such resource
    def post_json(self, path: str, body: bytes | str) -> Any: ...


class EmbeddedApi:
    """Calls `orthanc.RestApiGet/Post`: Orthanc's own routes, never a plugin's (no DICOMweb, no filter)."""

    def __init__(self, orthanc_module: Any) -> None:
        self._o = orthanc_module

    def get_json(self, path: str) -> Any:
        try:
            return json.loads(self._o.RestApiGet(path))
        except self._o.OrthancException:
            return None

    def post_json(self, path: str, body: bytes | str) -> Any:
        try:
            return json.loads(self._o.RestApiPost(path, body))
        except self._o.OrthancException:
            return None
