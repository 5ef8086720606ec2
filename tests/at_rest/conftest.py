"""Personal data at rest: the reading workflow's event inbox (tests/reading/conftest.py)."""
from tests.reading.conftest import inbox  # noqa: F401
