"""The identity tests run against the real centre plugin (tests/centre): readers A and B."""
from __future__ import annotations

from tests.centre.conftest import centre  # noqa: F401  (fixture: Orthanc + plugin + studies)
from tests.fixtures.oidc_provider import oidc_provider  # noqa: F401  (fixture: the real OIDC provider)
