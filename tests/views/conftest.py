import pytest

from viewer.views.headless import prefer_headless_gl

prefer_headless_gl()


@pytest.fixture
def offscreen():
    """Factory for off-screen views that are closed after the test."""
    from viewer.views.offscreen import OffscreenView

    made = []

    def make(volume, plane="axial", size=400):
        v = OffscreenView(volume, plane, size)
        made.append(v)
        return v

    yield make
    for v in made:
        v.close()
