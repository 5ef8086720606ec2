"""multipart/related parsing: boundary quoted or not, parts split across chunks, truncation."""
from __future__ import annotations

import pytest

from worklist.centre import BadData
from worklist.multipart import build_related, iter_parts, parse_parts


def body(boundary: str, parts: list[bytes]) -> bytes:
    out = b"preamble\r\n"
    for p in parts:
        out += f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + p + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


@pytest.mark.parametrize("ct", ['multipart/related; type="application/dicom"; boundary="a b:c"',
                                'multipart/related; boundary=abc123; type="application/dicom"'])
def test_boundary_quoted_or_not(ct: str) -> None:
    b = "a b:c" if '"a b:c"' in ct else "abc123"
    parts = [b"\r\n--not-it\r\n" + bytes(range(256)), b""]
    got = parse_parts(body(b, parts), ct)
    assert [p.body for p in got] == parts
    assert got[0].headers["content-type"] == "application/dicom"


def test_parts_arrive_byte_by_byte() -> None:
    data = body("xyz", [b"first" * 100, b"second"])
    got = list(iter_parts((data[i:i + 1] for i in range(len(data))), "multipart/related; boundary=xyz"))
    assert [p.body for p in got] == [b"first" * 100, b"second"]


def test_truncated_transfer_is_bad_data() -> None:
    data = body("xyz", [b"first", b"second"])
    with pytest.raises(BadData, match="truncated"):
        parse_parts(data[:-30], "multipart/related; boundary=xyz")


def test_not_multipart_is_bad_data() -> None:
    with pytest.raises(BadData):
        parse_parts(b"{}", "application/json")


def test_build_then_parse_round_trip() -> None:
    ct, chunks = build_related([b"one", b"two\r\n"], "application/dicom")
    assert [p.body for p in parse_parts(b"".join(chunks), ct)] == [b"one", b"two\r\n"]
