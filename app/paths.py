"""Where Yomi keeps its files: one place, so tests and IT can move it (YOMI_DATA_DIR)."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The user data dir (drafts, outbox, cache, local centre); created on first use."""
    override = os.environ.get("YOMI_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir("yomi", "yomi"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not override and os.name != "nt" and path.stat().st_mode & 0o077:
        # made by an older Yomi: what lives here is personal data, owner only (an override may
        # name a folder Yomi does not own, which it leaves alone)
        os.chmod(path, 0o700)
    return path


SITE_DIR_DEFAULT = Path("/etc/yomi")


def site_dir() -> Path:
    """The site dir IT installs and readers cannot write (YOMI_SITE_DIR, default /etc/yomi):
    the account store (app/session/site_store.py) and the site file (app/config.py) both live
    here, so one variable moves both."""
    return Path(os.environ.get("YOMI_SITE_DIR") or SITE_DIR_DEFAULT)


def shared_data_dir() -> Path | None:
    """The project's shared real test data (../shared/data beside a checkout), if present."""
    override = os.environ.get("YOMI_SHARED_DATA")
    if override:
        p = Path(override)
        return p if p.is_dir() else None
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return None


def drafts_dir(reader_id: str) -> Path:
    """One reader's sealed drafts (app/report/draft_store.py)."""
    from app.report.sealed_files import reader_dir_name

    return data_dir() / "drafts" / reader_dir_name(reader_id)


def signed_dir(reader_id: str) -> Path:
    """One reader's sealed signed outputs, one folder per report id (app/report/signing.py),
    kept until the centre confirms them (app/reading/delivery.py)."""
    from app.report.sealed_files import reader_dir_name

    return data_dir() / "signed" / reader_dir_name(reader_id)


def outbox_dir(destination: str) -> Path:
    """The durable outbox for one destination (a centre's DICOMweb URL, or a local centre's
    folder): a report signed for one is never delivered to another."""
    import hashlib

    return data_dir() / "outbox" / hashlib.sha256(destination.encode("utf-8")).hexdigest()[:16]


def config_dir() -> Path:
    """The reader's own settings (keymap, window layout): YOMI_CONFIG_DIR; under a moved data
    dir (tests, a portable install) its `config` folder, so nothing lands in the real home."""
    override = os.environ.get("YOMI_CONFIG_DIR")
    if override:
        path = Path(override)
    elif os.environ.get("YOMI_DATA_DIR"):
        path = data_dir() / "config"
    else:
        path = Path(platformdirs.user_config_dir("yomi", "yomi"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def reader_config_file(kind: str, reader_id: str, suffix: str) -> Path:
    """One reader's file of settings `kind` ("keymap", "layout"), named by a hash of the id."""
    from app.report.sealed_files import reader_dir_name

    return config_dir() / kind / f"{reader_dir_name(reader_id)}{suffix}"
