"""Scan a test's data for the test patients' names and birth dates, in every encoding Yomi
or a library might write them (security.md row 8: "grep the cache for patient-name bytes").

Needles, from each test patient's DICOM PN and birth date:
- the whole PN and each component group (alphabetic, ideographic, phonetic), with `^` and with
  spaces, family and given names alone; UTF-8, JSON `\\uXXXX` escapes, UTF-16-LE;
- Japanese groups also in ISO 2022 IR 87 (JIS X 0208 with and without its escape sequences),
  Shift_JIS and EUC-JP, half-width katakana in JIS X 0201 (IR 13);
- dates as YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD and 1960年1月1日.
ASCII needles match case-insensitively.

What is scanned (`station_files`): every file under the data dir (YOMI_DATA_DIR), and the
station stores a test places elsewhere under its tmp dir (folders holding an outbox database,
drafts, signed outputs, caches, centre state, audit logs). Not scanned: a local centre's own
folder (the reading centre's storage, which holds the source images by nature; recognised by
its `studies`/`received` folders) and the test's own artefacts beside the stores (screenshots,
PDFs it extracted to check them). Files that start with a Yomi seal (YS1/YC2) are encrypted
and skipped; a hit anywhere else fails. A Patient ID is allowed in an audit trail (DICOM
audit messages must carry it, security.md row 14): there, a needle equal to the ID is skipped.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

SEALED_MAGICS = (b"YS1\0", b"YC2\0", b"YC1\0")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
_COMMON_WORDS = {"patient", "synthetic", "reader", "doctor"}
STATION_DIR_NAMES = ("outbox", "drafts", "signed", "cache", "centre-state", "audit")


@dataclass(frozen=True)
class PatientFixture:
    name: str             # DICOM PN, e.g. "Yamada^Tarou=山田^太郎=やまだ^たろう"
    birth_date: str = ""  # YYYYMMDD or ""
    patient_id: str = ""


@dataclass(frozen=True)
class Hit:
    path: Path
    needle: str        # what was found (the form, for the message)
    encoding: str
    offset: int

    def __str__(self) -> str:
        return f"{self.path}: {self.needle!r} as {self.encoding} at byte {self.offset}"


def _forms(group: str) -> set[str]:
    """One PN component group as text: with ^, with spaces, and its family / given names."""
    group = group.strip()
    if not group:
        return set()
    parts = [p for p in group.split("^") if p]
    out = {group, group.replace("^", " ").strip(), " ".join(parts), "".join(parts)}
    # A family or given name alone: kanji/kana always; a Latin one only with a digit in it
    # ("Patient0001"), as "Yamada" alone also names the reader "yamada-reader" of a test.
    for p in parts:
        if (len(p) >= 2 and _CJK.search(p)) or (len(p) >= 6 and any(c.isdigit() for c in p)
                                                 and p.lower() not in _COMMON_WORDS):
            out.add(p)
    return {o for o in out if len(o) >= 2}


def _encodings(text: str) -> list[tuple[str, bytes]]:
    out = [("UTF-8", text.encode("utf-8")),
           ("JSON \\u escapes", text.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00")
            if not text.isascii() else b""),
           ("UTF-16-LE", text.encode("utf-16-le") if not text.isascii() else b"")]
    if not text.isascii():
        out[1] = ("JSON \\u escapes", "".join(c if c.isascii() else f"\\u{ord(c):04x}" for c in text).encode())
    if _CJK.search(text):
        for codec, label in (("shift_jis", "Shift_JIS"), ("euc_jp", "EUC-JP"), ("iso2022_jp_ext", "ISO 2022 IR 87"),
                             ("iso2022_jp", "ISO 2022 IR 87")):
            try:
                b = text.encode(codec)
            except UnicodeEncodeError:
                continue
            out.append((label, b))
            if codec.startswith("iso2022"):
                # the JIS X 0208 bytes without escapes: what a server that drops them stores
                bare = re.sub(rb"\x1b[\(\$][A-Z@]|\x1b\$\([A-Z@]", b"", b)
                if len(bare) >= 4:
                    out.append((label + " without escapes", bare))
    return [(label, b) for label, b in out if b]


MIN_NEEDLE_BYTES = 6  # shorter byte strings turn up by chance in ciphertext and binary files


def needles(patient: PatientFixture) -> list[tuple[str, str, bytes, bool]]:
    """(text form, encoding, bytes, case-insensitive) for one patient."""
    found: dict[tuple[bytes, bool], tuple[str, str, bytes, bool]] = {}

    def add(text: str, label: str, b: bytes) -> None:
        nocase = text.isascii() and label.endswith("UTF-8")  # a Latin name or a date as text
        key = b.lower() if nocase else b
        if len(key) >= MIN_NEEDLE_BYTES:
            found.setdefault((key, nocase), (text, label, key, nocase))

    texts = _forms(patient.name)
    for group in patient.name.split("="):
        texts |= _forms(group)
    for t in texts:
        for label, b in _encodings(t):
            add(t, label, b)
    d = patient.birth_date
    if re.fullmatch(r"\d{8}", d):
        y, m, dd = d[:4], d[4:6], d[6:]
        for t in (d, f"{y}-{m}-{dd}", f"{y}/{m}/{dd}", f"{y}年{int(m)}月{int(dd)}日", f"{y}年{m}月{dd}日"):
            for label, b in _encodings(t):
                add(t, "date " + label, b)
    return list(found.values())


def scan_file(path: Path, patients: list[PatientFixture], *, audit: bool = False) -> list[Hit]:
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if data[:4] in SEALED_MAGICS:
        return []
    lowered = data.lower()
    hits = []
    for p in patients:
        for text, label, b, nocase in needles(p):
            if audit and p.patient_id and text.lower() == p.patient_id.lower():
                continue
            at = (lowered if nocase else data).find(b)
            if at >= 0:
                hits.append(Hit(path, text, label, at))
    return hits


def _is_centre_root(d: Path) -> bool:
    return (d / "studies").is_dir() or (d / "received").is_dir() or (d / "queue.json").is_file()


def station_files(data_dir: Path | None, tmp_dir: Path | None) -> list[Path]:
    """Every file to scan (see the module docstring)."""
    files: list[Path] = []

    def walk(root: Path, *, everything: bool) -> None:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if not _is_centre_root(here / d) and d != "demo-centre"]
            inside_store = everything or any(part in STATION_DIR_NAMES for part in here.relative_to(root).parts)
            for f in filenames:
                p = here / f
                store_file = f.startswith("outbox.sqlite3") or f.endswith((".yd", ".yc", ".jsonl"))
                if inside_store or store_file:
                    files.append(p)

    if data_dir is not None and data_dir.is_dir():
        walk(data_dir, everything=True)
    if tmp_dir is not None and tmp_dir.is_dir():
        walk(tmp_dir, everything=False)
    return sorted(set(files))


def scan(data_dir: Path | None, tmp_dir: Path | None, patients: list[PatientFixture]) -> list[Hit]:
    hits: list[Hit] = []
    for f in station_files(data_dir, tmp_dir):
        audit = f.suffix == ".jsonl" or "audit" in f.parts
        hits += scan_file(f, patients, audit=audit)
    return hits


def loose_modes(data_dir: Path, stores: tuple[str, ...] = ("drafts", "signed", "outbox", "cache")) -> list[str]:
    """Files not 0600 / folders not 0700 in Yomi's personal-data stores under `data_dir`."""
    bad = []
    for name in stores:
        root = data_dir / name
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for d in [dirpath]:
                mode = stat.S_IMODE(os.stat(d).st_mode)
                if mode & 0o077:
                    bad.append(f"{d}: folder mode {mode:o}")
            for f in filenames:
                mode = stat.S_IMODE(os.stat(Path(dirpath) / f).st_mode)
                if mode & 0o077:
                    bad.append(f"{Path(dirpath) / f}: file mode {mode:o}")
    return bad


# The patients of the test data the GUI and report tests load (shared/data and tests/fixtures).
REAL_CT = PatientFixture("Lung_Dx-A0001", "", "Lung_Dx-A0001")
JAPANESE = PatientFixture("ヤマダ^タロウ=山田^太郎=やまだ^たろう")
CHARSET_H31 = PatientFixture("Yamada^Tarou=山田^太郎=やまだ^たろう")
CHARSET_H32 = PatientFixture("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう")
SYNTHETIC = PatientFixture("Synthetic^Patient0001", "19600101")  # tests/fixtures/synthetic_studies.py
KNOWN_PATIENTS = [REAL_CT, JAPANESE, CHARSET_H31, CHARSET_H32, SYNTHETIC]


def patients_in(folder: Path) -> list[PatientFixture]:
    """The patients of the DICOM files a test wrote for its centre (e.g. a renamed copy)."""
    import pydicom

    out: dict[tuple[str, str], PatientFixture] = {}
    for dirpath, _dirs, filenames in os.walk(folder):
        for f in filenames:
            if not f.endswith(".dcm"):
                continue
            try:
                ds = pydicom.dcmread(Path(dirpath) / f, stop_before_pixels=True,
                                     specific_tags=["SpecificCharacterSet", "PatientName", "PatientBirthDate",
                                                    "PatientID"])
            except Exception:
                continue
            name = str(ds.get("PatientName", "") or "")
            if len(name) >= 4:
                key = (name, str(ds.get("PatientBirthDate", "") or ""))
                out.setdefault(key, PatientFixture(name, key[1], str(ds.get("PatientID", "") or "")))
            if len(out) > 20:
                break
    return list(out.values())


def assert_nothing_leaks(data_dir: Path | None, tmp_dir: Path | None) -> None:
    """The teardown check of the GUI and report tests (tests/gui/conftest.py, tests/report_gui/conftest.py)."""
    patients = list(KNOWN_PATIENTS)
    if tmp_dir is not None and tmp_dir.is_dir():
        patients += patients_in(tmp_dir)
    hits = scan(data_dir, tmp_dir, patients)
    bad_modes = loose_modes(data_dir) if data_dir is not None and data_dir.is_dir() else []
    problems = [str(h) for h in hits[:10]] + bad_modes[:10]
    assert not problems, "personal data at rest in clear, or readable by others:\n  " + "\n  ".join(problems)
