"""The PDF's text layer carries the kanji drawn on the page, not look-alike radicals.

Qt writes each glyph's ToUnicode entry as the lowest code point the font maps to it, so 山 came out
as the Kangxi radical ⼭ (U+2F2D). app.report.pdf_text rewrites the CMaps before signing; these
tests check the rewrite itself, the real Noto Sans CJK JP font, and the signed report end to end
with poppler and pyHanko.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import time

import pytest

from app.report.identity import Signer, StudyIdentity
from app.report.model import Report
from app.report.pdf import FONT_FAMILY, _ensure_gui_app, html_to_pdf, qt_pdf
from app.report.pdf_text import is_radical, radical_ideographs, rewrite_cmap
from app.report.signing import sign
from app.report.templates import load_template
from tests.report.conftest import JP_NAME
from tests.report.pki import make_pki

SIGNER = Signer("Sato^Hanako=佐藤^花子=さとう^はなこ", "R-17", "Yomi Reading Centre")
# Kanji that Qt mapped to radicals before the fix (山 子 長 戸 月 日 目 ...) next to ones it never
# did (田 太 郎 葉 肺 結 節), in the words a report uses.
KANJI_TEXT = "右上葉に長径12mmの結節。子宮、戸田、月日、目、女性、人、口、見、高、門、雨、食、骨、心、手足、大小"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed (Debian package poppler-utils)")
    return path


def pdf_text(path) -> str:
    out = subprocess.run([need("pdftotext"), str(path), "-"], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def radicals_in(text: str) -> str:
    return "".join(ch for ch in text if is_radical(ord(ch)))


@pytest.fixture(scope="module")
def font_map() -> dict[str, str]:
    _ensure_gui_app()
    return radical_ideographs(FONT_FAMILY)


# -- the CMap rewrite, on CMaps written out here in the three forms PDF allows

_HEAD = b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
_TAIL = b"\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
MAP = {"\u2f2d": "山", "\u2f26": "子", "\u2ed1": "長", "\u2ea9": "\U000248e9"}


def h(token: bytes) -> bytes:
    return bytes.fromhex(token[1:-1].decode())


def entries(cmap: bytes) -> dict[int, str]:
    """code -> text of a CMap, read independently of the module (bfchar and both bfrange forms)."""
    out: dict[int, str] = {}
    for count, kind, body in re.findall(rb"(\d+)\s+begin(bfchar|bfrange)(.*?)end\2", cmap, re.DOTALL):
        toks = re.findall(rb"<[0-9A-F]*>|\[|\]", body)
        n = 0
        i = 0
        while i < len(toks):
            if kind == b"bfchar":
                out[int.from_bytes(h(toks[i]), "big")] = h(toks[i + 1]).decode("utf-16-be")
                i += 2
            else:
                lo, hi = int.from_bytes(h(toks[i]), "big"), int.from_bytes(h(toks[i + 1]), "big")
                if toks[i + 2] == b"[":
                    end = toks.index(b"]", i + 3)
                    for k, t in enumerate(toks[i + 3:end]):
                        out[lo + k] = h(t).decode("utf-16-be")
                    i = end + 1
                else:
                    start = int.from_bytes(h(toks[i + 2]), "big")
                    for k in range(hi - lo + 1):
                        out[lo + k] = chr(start + k)
                    i += 3
            n += 1
        assert n == int(count) <= 100, (count, n)
    return out


def test_bfchar_and_array_destinations_are_replaced_in_place():
    cmap = (_HEAD + b"2 beginbfchar\n<0003> <2F2D>\n<0004> <0041>\nendbfchar\n"
            b"1 beginbfrange\n<0005> <0007> [<2F26> <5C71> <2EA9>]\nendbfrange" + _TAIL)
    new = rewrite_cmap(cmap, MAP)
    assert entries(new) == {3: "山", 4: "A", 5: "子", 6: "山", 7: "\U000248e9"}
    assert b"<D852DCE9>" in new  # a supplementary ideograph as its UTF-16 surrogate pair
    assert new.startswith(_HEAD) and new.endswith(_TAIL)


def test_incrementing_range_into_the_radical_block_is_split_into_bfchar():
    # <0010>..<0014> -> U+2F2B..U+2F2F crosses ⼭ (U+2F2D); the untouched range stays a range.
    cmap = _HEAD + b"2 beginbfrange\n<0010> <0014> <2F2B>\n<0020> <0022> <0061>\nendbfrange" + _TAIL
    before = entries(cmap)
    new = rewrite_cmap(cmap, MAP)
    after = entries(new)
    assert after == {**before, 0x12: "山"}
    assert b"<0020> <0022> <0061>" in new and b"5 beginbfchar" in new
    assert radicals_in("".join(after.values())) == "\u2f2b\u2f2c\u2f2e\u2f2f"  # no ideograph in MAP for those


def test_more_than_100_entries_are_split_into_blocks_of_100():
    lines = [b"<%04X> <2F2D>" % code for code in range(150)]
    cmap = (_HEAD + b"100 beginbfchar\n" + b"\n".join(lines[:100]) + b"\nendbfchar\n"
            b"50 beginbfchar\n" + b"\n".join(lines[100:]) + b"\nendbfchar" + _TAIL)
    assert entries(rewrite_cmap(cmap, MAP)) == {code: "山" for code in range(150)}  # counts checked there


def test_a_cmap_without_radicals_is_returned_unchanged():
    cmap = _HEAD + b"1 beginbfrange\n<0001> <0003> [<5C71> <7530> <592A>]\nendbfrange" + _TAIL
    assert rewrite_cmap(cmap, MAP) == cmap


# -- the font: which ideograph shares a radical's glyph

def test_font_map_follows_the_glyph_not_nfkc(font_map):
    assert font_map["\u2f2d"] == "山" and font_map["\u2f26"] == "子" and font_map["\u2f49"] == "月"
    assert font_map["\u2ed1"] == "長"  # CJK Radicals Supplement: NFKC leaves ⻑ alone
    # NFKC(⼾) is 戶 U+6236, a different kanji; the glyph Qt wrote ⼾ for is 戸 U+6238 (戸田, 木戸).
    assert font_map["\u2f3e"] == "\u6238"
    # ⺁ has its own glyph in Noto Sans CJK JP: a text showing it really had the radical.
    assert "\u2e81" not in font_map
    assert all(is_radical(ord(r)) for r in font_map)
    assert not any(is_radical(ord(i)) for i in font_map.values())


# -- the rendered PDF

def test_every_kanji_that_shares_a_radical_glyph_extracts_exactly(font_map, tmp_path):
    kanji = sorted(set(font_map.values()))
    assert len(kanji) > 200
    lines = ["".join(kanji[i:i + 20]) for i in range(0, len(kanji), 20)]
    path = tmp_path / "kanji.pdf"
    path.write_bytes(html_to_pdf("<p>" + "<br>".join(lines) + "</p>", "kanji"))
    text = pdf_text(path)
    assert radicals_in(text) == ""
    # The rest of pdftotext's output is Qt's page number.
    assert [line for line in text.splitlines() if line.strip() and not line.isdigit()] == lines


def test_rewrite_cost_per_report_is_small(font_map):
    """The rewrite runs on every signed report; its cost is printed for the record (pytest -s)
    and bounded so a regression (e.g. a CMap rewrite gone quadratic) shows."""
    from app.report.pdf_text import fix_pdf_text_layer

    html = f"<h1>読影報告書</h1><p>山田 太郎</p><p>{KANJI_TEXT * 20}</p>"
    pdf = html_to_pdf(html, "t")  # warms imports and the font map, as the first report of a session does
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        _, fixed = fix_pdf_text_layer(pdf, font_map)
        runs.append(time.perf_counter() - t0)
    assert fixed == 0  # html_to_pdf's output is already fixed: a second pass finds nothing
    raw = qt_pdf(html, "t")
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        _, fixed = fix_pdf_text_layer(raw, font_map)
        runs.append(time.perf_counter() - t0)
    assert fixed >= 1
    print(f"\nToUnicode rewrite: median {sorted(runs)[2] * 1000:.1f} ms per report ({len(raw)} bytes)")
    assert sorted(runs)[2] < 0.5


def test_qt_alone_still_writes_radicals():
    """Guards the need for the rewrite: if a Qt upgrade fixes its ToUnicode maps this fails, and
    pdf_text can go."""
    assert b"<2F2D>" in qt_pdf("<p>山田 太郎</p>", "t")  # ⼭ for 山


# -- the signed report end to end

@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed_ja(pki, tmp_path_factory):
    r = Report(load_template("general-ct"), StudyIdentity("1.2.826.0.1.3680043.8.498.9", "PID-0001", JP_NAME,
                                                          "19500401", "M", "ACC-9", "20240301", "090000", "S9"), "ja")
    r.set_field("lungs", KANJI_TEXT)
    r.set_field("impression", "右上葉結節。戸田医師へ。")
    return sign(r, SIGNER, tmp_path_factory.mktemp("out"), pki.p12, pki.password)


def test_signed_ja_report_text_is_exact(signed_ja):
    text = pdf_text(signed_ja.pdf_path)
    assert radicals_in(text) == ""
    for words in ("山田 太郎", "右上葉", "子", "右上葉結節。戸田医師へ。", "電子署名付きPDF", "PID-0001"):
        assert words in text, words
    assert KANJI_TEXT in text.replace("\n", "")  # wrapped over two lines on the page


@pytest.mark.xfail(strict=True, reason="known, not yet fixed: Qt writes ・ (U+30FB) as U+2027, the lower code "
                                       "point of the same Noto CJK glyph; not a radical, so pdf_text leaves it")
def test_signed_ja_report_middle_dot_is_exact(signed_ja):
    assert "肺・気道" in pdf_text(signed_ja.pdf_path)


def test_signed_ja_report_embeds_the_cjk_font(signed_ja):
    out = subprocess.run([need("pdffonts"), str(signed_ja.pdf_path)], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()[2:]]
    cjk = [row for row in rows if row[0].startswith("NotoSansCJKjp")]
    assert cjk and all(row[-5] == "yes" and row[-3] == "yes" for row in cjk)  # emb, uni


def test_signed_ja_report_signature_is_valid(signed_ja, pki):
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    vc = ValidationContext(trust_roots=[asn1_x509.Certificate.load(pki.ca_der)])
    (sig,) = PdfFileReader(io.BytesIO(signed_ja.pdf)).embedded_signatures
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted and status.coverage.name == "ENTIRE_FILE"
    out = subprocess.run([need("pdfsig"), str(signed_ja.pdf_path)], check=False, capture_output=True, text=True)
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr

