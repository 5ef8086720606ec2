"""Where the report templates (resources/templates/*.json) live, found via importlib.resources
so they are also found inside a wheel or a PyInstaller bundle."""
from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

__all__ = ["template_dir", "template_files"]


def template_dir() -> Traversable:
    """The folder holding the bundled template JSON files."""
    return resources.files("resources") / "templates"


def template_files() -> list[Traversable]:
    """Every bundled template file, sorted by name."""
    return sorted((f for f in template_dir().iterdir() if f.name.endswith(".json")), key=lambda f: f.name)
