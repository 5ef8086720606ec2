"""Where the bundled hanging protocols (resources/hanging/*.json) live, found via importlib.resources
so they are also found inside a wheel or a PyInstaller bundle."""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["protocol_files"]


def protocol_files() -> list[Traversable]:
    """Every bundled hanging protocol file, sorted by name."""
    folder = resources.files("resources") / "hanging"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
