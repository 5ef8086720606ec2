"""multipart/related bodies (RFC 2046 / PS3.18 8.6.1.2): parse as a stream, and build one.

WADO-RS answers and STOW-RS requests are multipart/related. The parser works on a stream of
chunks so a series can be handed on instance by instance as it arrives. A part may not grow
past `max_part_bytes`: the parser counts what it holds as chunks arrive and raises TooLarge
at once, so a hostile 1.5 GB part costs the cap, not 3x its size.
"""
from __future__ import annotations

import email.message
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from worklist.centre import BadData, TooLarge

__all__ = ["Part", "boundary_of", "iter_parts", "parse_parts", "build_related"]

_CRLF = b"\r\n"


@dataclass
class Part:
    headers: dict[str, str] = field(default_factory=dict)  # header names lower-cased
    body: bytes = b""


def _params(content_type: str) -> email.message.Message:
    msg = email.message.Message()
    msg["Content-Type"] = content_type
    return msg


def boundary_of(content_type: str) -> bytes:
    """The boundary parameter of a multipart Content-Type, quoted or not."""
    msg = _params(content_type or "")
    if msg.get_content_maintype() != "multipart":
        raise BadData(f"expected a multipart answer, got '{(content_type or 'none')[:80]}'")
    boundary = msg.get_param("boundary")
    if not boundary or not isinstance(boundary, str):
        raise BadData("multipart answer without a boundary parameter")
    return boundary.encode("latin-1")


def _part(buf: bytearray, end: int) -> Part:
    """The part in buf[:end], its body copied once (a part may be hundreds of MB)."""
    # A part starts with its header lines (maybe none) and a blank line.
    headers: dict[str, str] = {}
    if buf.startswith(_CRLF):
        body_from = 2
    else:
        sep_at = buf.find(_CRLF + _CRLF, 0, end)
        if sep_at < 0:
            raise BadData("multipart part without a header/body separator")
        for line in bytes(buf[:sep_at]).split(_CRLF):
            name, sep, value = line.partition(b":")
            if sep:
                headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        body_from = sep_at + 4
    with memoryview(buf) as view:
        body = bytes(view[body_from:end])
    return Part(headers, body)


def iter_parts(chunks: Iterable[bytes], content_type: str, max_part_bytes: int | None = None,
               what: str = "multipart answer") -> Iterator[Part]:
    """Yield each part of a multipart body as soon as its closing delimiter has arrived;
    TooLarge (naming `what`) once a part, headers included, passes `max_part_bytes`."""
    boundary = boundary_of(content_type)
    delim = b"--" + boundary
    inner = _CRLF + delim
    buf = bytearray()
    it = iter(chunks)
    started = False
    search_from = 0
    # the buffer holds at most one unfinished part plus one chunk and a delimiter's length
    limit = None if max_part_bytes is None else max_part_bytes + len(inner) + 4
    for chunk in it:
        buf += chunk
        if not started:
            # The first delimiter may open the body directly or follow a preamble.
            pos = buf.find(delim)
            line_end = buf.find(_CRLF, pos) if pos >= 0 else -1
            if line_end < 0:
                if limit is not None and len(buf) > limit:  # an endless preamble
                    raise TooLarge(f"{what}: no part began within {_mib(max_part_bytes)}")
                continue
            if buf[pos + len(delim):pos + len(delim) + 2] == b"--":
                return
            del buf[:line_end + 2]
            started = True
            search_from = 0
        while True:
            pos = buf.find(inner, search_from)
            if pos < 0:
                search_from = max(0, len(buf) - len(inner) - 2)
                break
            after = pos + len(inner)
            if len(buf) < after + 2:
                search_from = pos
                break
            closing = buf[after:after + 2] == b"--"
            line_end = buf.find(_CRLF, after)
            if not closing and line_end < 0:
                search_from = pos
                break
            yield _part(buf, pos)
            if closing:
                return
            del buf[:line_end + 2]
            search_from = 0
        if limit is not None and len(buf) > limit:
            raise TooLarge(f"{what}: a part larger than the {_mib(max_part_bytes)} limit")
    if not started and not buf.strip():
        return
    raise BadData("multipart answer ended before its closing boundary (truncated transfer)")


def _mib(n: int | None) -> str:
    return f"{(n or 0) / (1024 * 1024):g} MiB"


def parse_parts(body: bytes, content_type: str) -> list[Part]:
    return list(iter_parts([body], content_type))


def build_related(parts: Iterable[bytes], part_type: str) -> tuple[str, Iterator[bytes]]:
    """A multipart/related request body (as a stream of chunks) and its Content-Type."""
    boundary = uuid.uuid4().hex
    content_type = f'multipart/related; type="{part_type}"; boundary={boundary}'

    def chunks() -> Iterator[bytes]:
        for body in parts:
            yield f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode("ascii")
            yield body
            yield _CRLF
        yield f"--{boundary}--\r\n".encode("ascii")

    return content_type, chunks()
