"""Critical results and the centre's statistics against a real Orthanc (tests/fixtures/orthanc.py)."""
from tests.fixtures.orthanc import orthanc  # noqa: F401  (fixture)
