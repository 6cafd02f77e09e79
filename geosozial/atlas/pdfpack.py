"""Smaller PDFs: the engine's objects packed into compressed object streams.

Typst writes every object of a PDF uncompressed except the streams, and a tagged sheet
(PDF/UA-1, PDF/A-2a) has one structure element per table cell: about 40 % of a
Sozialdatenblatt's bytes are plain structure dictionaries, the cross-reference table
another 7 %. :func:`pack_pdf` rewrites such a file losslessly as PDF 1.5+ allows it
(ISO 32000-1, 7.5.7 and 7.5.8; permitted by PDF/A-2 and PDF/UA-1): every object that
is not a stream goes into Flate-compressed object streams, the cross-reference table
becomes a compressed cross-reference stream (the document information dictionary stays
outside, readable as before). Nothing else changes: the same objects
with the same numbers and bytes (streams are copied verbatim), the same catalogue,
document information, metadata and file identifier, so text, tags, fonts and pages
are exactly those of the engine. A file the packer does not understand (a revision,
encryption, an indirect stream length, an old PDF version, a cross-reference stream
already) is returned unchanged.

Deterministic: the same input gives the same bytes (zlib at a fixed level).

Examples
--------
>>> from geosozial.atlas.pdf import example_sheet, pdf_engine, sheet_pdf
>>> if pdf_engine():  # doctest: +SKIP
...     pdf = sheet_pdf(example_sheet())
...     packed = pack_pdf(pdf)
...     len(packed) < 0.8 * len(pdf), pack_pdf(pdf) == packed
(True, True)
>>> pack_pdf(b"not a pdf")
b'not a pdf'
"""

from __future__ import annotations

import re
import zlib

__all__ = ["pack_pdf"]

#: objects per object stream
_PER_STREAM = 200
_LEVEL = 6

_HEADER = re.compile(rb"%PDF-1\.([5-9])")
_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_INDIRECT_LENGTH = re.compile(rb"/Length\s+(\d+)\s+\d+\s+R")
_STRING = rb"(?:\((?:\\.|[^\\()])*\)|<[0-9A-Fa-f\s]*>)"
_TRAILER_KEYS = {
    b"Size": re.compile(rb"/Size\s+\d+"),
    b"Root": re.compile(rb"/Root\s+\d+\s+\d+\s+R"),
    b"Info": re.compile(rb"/Info\s+\d+\s+\d+\s+R"),
    b"ID": re.compile(rb"/ID\s*\[\s*" + _STRING + rb"\s*" + _STRING + rb"\s*\]"),
}


class _Unpackable(Exception):
    """The file is not of the simple shape the packer rewrites."""


def pack_pdf(data: bytes) -> bytes:
    """``data`` with its non-stream objects in object streams (or unchanged).

    Parameters
    ----------
    data : bytes
        A PDF with one classic cross-reference table (as Typst writes it).

    Returns
    -------
    bytes
        The packed PDF, or ``data`` itself when it cannot be packed safely.

    Examples
    --------
    >>> pack_pdf(b"%PDF-1.4 ...") == b"%PDF-1.4 ..."
    True
    """
    try:
        return _pack(data)
    except (_Unpackable, ValueError, IndexError):
        return data


def _trailer(data: bytes) -> tuple[int, dict[int, tuple[int, int, bool]], bytes]:
    """Offset of the table, its entries (number -> offset, generation, in use) and the
    trailer dictionary."""
    end = data.rstrip()
    if not end.endswith(b"%%EOF"):
        raise _Unpackable
    at = data.rfind(b"startxref")
    if at < 0 or data.count(b"startxref") != 1:
        raise _Unpackable  # incremental updates: several revisions
    xref = int(data[at + 9:].split()[0])
    if data[xref:xref + 4] != b"xref":
        raise _Unpackable  # a cross-reference stream already
    trailer_at = data.find(b"trailer", xref)
    if trailer_at < 0 or trailer_at > at:
        raise _Unpackable
    tokens = data[xref + 4:trailer_at].split()
    entries: dict[int, tuple[int, int, bool]] = {}
    pos = 0
    while pos < len(tokens):  # subsections: first count, then count x (offset gen n|f)
        first, count = int(tokens[pos]), int(tokens[pos + 1])
        rows = tokens[pos + 2:pos + 2 + 3 * count]
        if len(rows) != 3 * count or any(k not in (b"n", b"f") for k in rows[2::3]):
            raise _Unpackable
        for i in range(count):
            entries[first + i] = (int(rows[3 * i]), int(rows[3 * i + 1]),
                                  rows[3 * i + 2] == b"n")
        pos += 2 + 3 * count
    return xref, entries, data[trailer_at + 7:at]


def _pack(data: bytes) -> bytes:
    if not _HEADER.match(data):
        raise _Unpackable
    xref, entries, trailer = _trailer(data)
    keys = set(re.findall(rb"/([A-Za-z]+)", re.sub(_STRING, b"", trailer)))
    if not keys <= set(_TRAILER_KEYS) or b"Root" not in keys:
        raise _Unpackable  # /Encrypt, /Prev, /XRefStm, ...
    kept = {}
    for name, pattern in _TRAILER_KEYS.items():
        if name != b"Size" and name in keys:
            found = pattern.search(trailer)
            if found is None:
                raise _Unpackable
            kept[name] = found.group(0)
    used = sorted((offset, number) for number, (offset, gen, live) in entries.items()
                  if live)
    if not used or any(entries[n][1] != 0 for _, n in used):
        raise _Unpackable
    # the document information stays readable as it is (title, dates): a few bytes
    info = int(kept[b"Info"].split()[1]) if b"Info" in kept else -1
    header = data[:used[0][0]]
    bounds = [o for o, _ in used[1:]] + [xref]
    plain: dict[int, bytes] = {}   # number -> the object's value (goes into a stream)
    raw: list[tuple[int, bytes]] = []  # streams and /Info, copied as they are
    for (offset, number), bound in zip(used, bounds, strict=True):
        span = data[offset:bound]
        head = _OBJ.match(span)
        if head is None or int(head.group(1)) != number or int(head.group(2)) != 0:
            raise _Unpackable
        end = span.rfind(b"endobj")
        if end < 0:
            raise _Unpackable
        body = span[head.end():end].strip()
        if body.endswith(b"endstream") or number == info:
            raw.append((number, span[:end + 6]))
        else:
            plain[number] = body
    if any(_INDIRECT_LENGTH.search(span.split(b"stream", 1)[0]) for _, span in raw):
        raise _Unpackable  # the Length object may not be in an object stream
    size = max(entries) + 1
    out = bytearray(header)
    offsets: dict[int, tuple[int, int, int]] = {}  # number -> (type, field 2, field 3)
    for number, span in raw:
        offsets[number] = (1, len(out), 0)
        out += span + b"\n"
    numbers = sorted(plain)
    stream_number = size
    for start in range(0, len(numbers), _PER_STREAM):
        chunk = numbers[start:start + _PER_STREAM]
        index, bodies, pos = [], [], 0
        for i, number in enumerate(chunk):
            index.append(b"%d %d" % (number, pos))
            bodies.append(plain[number])
            pos += len(plain[number]) + 1
            offsets[number] = (2, stream_number, i)
        first = b" ".join(index) + b"\n"
        content = zlib.compress(first + b"\n".join(bodies) + b"\n", _LEVEL)
        offsets[stream_number] = (1, len(out), 0)
        out += (b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\n"
                b"stream\n" % (stream_number, len(chunk), len(first), len(content))
                + content + b"\nendstream\nendobj\n")
        stream_number += 1
    xref_number = stream_number
    offsets[xref_number] = (1, len(out), 0)
    rows = bytearray()
    for number in range(xref_number + 1):
        kind, two, three = offsets.get(number, (0, 0, 65535 if number == 0 else 0))
        if number in entries and not entries[number][2] and number != 0:
            kind, two, three = 0, 0, min(entries[number][1], 65535)
        rows += bytes([kind]) + two.to_bytes(4, "big") + three.to_bytes(2, "big")
    stream = zlib.compress(bytes(rows), _LEVEL)
    extra = b"".join(kept[k] for k in (b"Root", b"Info", b"ID") if k in kept)
    out += (b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]%s/Filter/FlateDecode/Length %d>>\n"
            b"stream\n" % (xref_number, xref_number + 1, extra, len(stream))
            + stream + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number][1]
    return bytes(out)
