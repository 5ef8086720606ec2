"""Where the keymap files are: IT's beside the site's accounts, the reader's in their own config."""
from __future__ import annotations

from pathlib import Path

from app.keymap.model import LoadedKeymap, load_keymap
from app.paths import reader_config_file
from app.session.site_store import site_dir

__all__ = ["SITE_KEYMAP", "load_reader_keymap", "site_keymap_path", "user_keymap_path"]

SITE_KEYMAP = "keymap.json"


def site_keymap_path() -> Path:
    """<site dir>/keymap.json (YOMI_SITE_DIR, default /etc/yomi): read-only to readers."""
    return site_dir() / SITE_KEYMAP


def user_keymap_path(reader_id: str) -> Path:
    return reader_config_file("keymap", reader_id, ".json")


def load_reader_keymap(reader_id: str) -> LoadedKeymap:
    return load_keymap(site_keymap_path(), user_keymap_path(reader_id))
