"""Decode table files by evidence: UTF-8, UTF-16/32, cp1252/Latin-1; refuse binary files.

One decoder for every text table (plain CSV, GENESIS CSV and flat files, Sozialraum
mapping tables):

- a byte-order mark decides: UTF-8 (``EF BB BF``), UTF-32 LE/BE, UTF-16 LE/BE (Excel's
  "Unicode-Text" export is UTF-16 LE with BOM and tab-separated);
- UTF-16 without a BOM is recognised by its zero bytes (every second byte of ASCII
  text);
- otherwise UTF-8 if the bytes decode. If they do not, the lines are counted: when at
  least as many lines hold valid UTF-8 sequences (``ä`` as ``C3 A4``) as lines with
  invalid bytes, the file is UTF-8 with a few damaged lines: they are named in a warning
  and their bad bytes replaced (U+FFFD), the rest stays right. Else the file is cp1252
  (Latin-1 if cp1252 cannot decode it), with a warning naming the lines that looked
  like UTF-8, if any;
- a file with zero bytes that is no UTF-16/32 is binary and refused (a GeoPackage or
  SQLite database, an old XLS workbook, a ZIP archive are named as such).

An ``encoding`` given by the user overrides the detection (a BOM is still dropped).

Example:
    >>> d = decode_table_bytes("AGS;Empfänger\\n".encode("utf-16"))
    >>> d.text, d.encoding
    ('AGS;Empfänger\\n', 'utf-16-le')
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from geosozial.core.messages import GeosozialError, Notice, define

define(
    "table.encoding",
    de="Datei {file} lässt sich nicht mit der Zeichenkodierung {encoding} lesen.",
    en="file {file} cannot be decoded with encoding {encoding}.",
)
define(
    "table.bad_bytes",
    de="Datei {file}: {count} Zeile(n) enthalten Bytes, die in {encoding} ungültig sind "
    "(Zeile {lines}); sie wurden durch das Ersatzzeichen \ufffd ersetzt, der Rest der Datei "
    "ist als {encoding} gelesen. Bitte diese Zeilen prüfen (oder die Zeichenkodierung "
    "angeben).",
    en="file {file}: {count} line(s) hold bytes that are invalid in {encoding} (line "
    "{lines}); they were replaced by the replacement character \ufffd, the rest of the file "
    "was read as {encoding}. Please check these lines (or name the encoding).",
)
define(
    "table.mixed_encoding",
    de="Datei {file}: uneinheitliche Zeichenkodierung. Die Datei ist als {encoding} gelesen, "
    "aber {count} Zeile(n) sehen nach UTF-8 aus (Zeile {lines}); Umlaute dort können falsch "
    "sein (z. B. 'Ã¤' statt 'ä'). Bitte die Datei einheitlich speichern (oder die "
    "Zeichenkodierung angeben).",
    en="file {file}: mixed encodings. The file was read as {encoding}, but {count} line(s) "
    "look like UTF-8 (line {lines}); umlauts there may be wrong (e.g. 'Ã¤' for 'ä'). Please "
    "save the file in one encoding (or name the encoding).",
)
define(
    "table.binary",
    de="Datei {file} ist keine Textdatei (Null-Bytes ab Zeile {line}); vielleicht eine "
    "Datei mit falscher Endung oder eine beschädigte Datei? Bitte als CSV oder XLSX "
    "speichern.",
    en="file {file} is not a text file (zero bytes from line {line}); perhaps a file with "
    "the wrong extension or a damaged file? Please save it as CSV or XLSX.",
)
define(
    "table.binary_sqlite",
    de="Datei {file} ist eine GeoPackage- bzw. SQLite-Datenbank, keine Tabelle (CSV/XLSX). "
    "Geometrien werden als Gebiete eingelesen, nicht als Tabelle.",
    en="file {file} is a GeoPackage or SQLite database, not a table (CSV/XLSX). Geometries "
    "are read as areas, not as a table.",
)
define(
    "table.binary_xls",
    de="Datei {file} ist eine alte Excel-Arbeitsmappe (XLS) oder ein anderes "
    "Office-Dokument; bitte als XLSX oder CSV speichern.",
    en="file {file} is an old Excel workbook (XLS) or another Office document; please save "
    "it as XLSX or CSV.",
)
define(
    "table.binary_zip",
    de="Datei {file} ist ein ZIP-Archiv (vielleicht eine XLSX-Arbeitsmappe mit falscher "
    "Endung?), keine CSV-Datei.",
    en="file {file} is a ZIP archive (perhaps an XLSX workbook with the wrong extension?), "
    "not a CSV file.",
)
define(
    "table.unreadable",
    de="Datei {file} lässt sich nicht lesen: {reason}",
    en="file {file} cannot be read: {reason}",
)

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE BOM
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_VALID_UTF8 = (rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef]"
               rb"[\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|"
               rb"[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_UTF8_SCAN = re.compile(rb"(" + _VALID_UTF8 + rb")|[\x80-\xff]")
_VALID_UTF8_RE = re.compile(_VALID_UTF8)
#: how many line numbers a notice names
SHOWN_LINES = 5


@dataclass
class Decoded:
    """A decoded table file: its text, the encoding used and what decoding had to report.

    ``replaced`` counts the replacement characters (U+FFFD) that decoding put in.
    """

    text: str
    encoding: str
    notices: list[Notice] = field(default_factory=list)
    replaced: int = 0


def _line_list(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:SHOWN_LINES])
    return shown + (", …" if len(lines) > SHOWN_LINES else "")


def _line_counter(data: bytes) -> bytes:
    """The byte that ends lines in ``data`` (``\\r`` for old Mac files without ``\\n``)."""
    return b"\n" if b"\n" in data or b"\r" not in data else b"\r"


def _binary_error(data: bytes, source: str) -> GeosozialError | None:
    """An error for binary data (zero bytes, known magic numbers), None for text."""
    if data.startswith(b"SQLite format 3\x00"):
        return GeosozialError("table.binary_sqlite", file=source)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return GeosozialError("table.binary_xls", file=source)
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return GeosozialError("table.binary_zip", file=source)
    zero = data.find(b"\x00")
    if zero >= 0:
        eol = _line_counter(data)
        return GeosozialError("table.binary", file=source, line=data.count(eol, 0, zero) + 1)
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` if the zero bytes say so (ASCII-heavy text), else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    zero_even, zero_odd = even.count(0), odd.count(0)
    if zero_odd >= 0.5 * len(odd) and zero_even <= 0.05 * len(even):
        return "utf-16-le"
    if zero_even >= 0.5 * len(even) and zero_odd <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decode_with_replacement(data: bytes, encoding: str, source: str) -> Decoded:
    """Decode ``data`` as ``encoding``; bad bytes replaced and their lines named."""
    try:
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError:
        pass
    text = data.decode(encoding, errors="replace")
    lines = []
    line, last = 1, 0
    for match in re.finditer("\ufffd", text):
        line += text.count("\n", last, match.start())
        last = match.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    notice = Notice("table.bad_bytes", "warning", file=source, count=len(lines),
                    lines=_line_list(lines), encoding=encoding)
    return Decoded(text, encoding, [notice], text.count("\ufffd"))


def _utf8_evidence(data: bytes) -> tuple[list[int], list[int]]:
    """Lines holding valid UTF-8 sequences and lines holding invalid bytes (1-based)."""
    eol = _line_counter(data)
    valid: list[int] = []
    invalid: list[int] = []
    line, last = 1, 0
    for match in _UTF8_SCAN.finditer(data):
        line += data.count(eol, last, match.start())
        last = match.start()
        target = valid if match.group(1) else invalid
        if not target or target[-1] != line:
            target.append(line)
    return valid, invalid


def decode_table_bytes(data: bytes, encoding: str | None = None,
                       source: str = "") -> Decoded:
    """Decode the bytes of a table file by evidence (see the module documentation).

    Parameters
    ----------
    data : bytes
        The file's bytes.
    encoding : str, optional
        The encoding to use instead of detecting it (decoded strictly).
    source : str
        The file name, for messages.

    Returns
    -------
    Decoded
        Text (without BOM), encoding used, notices (damaged lines, mixed encodings).

    Raises
    ------
    GeosozialError
        ``table.encoding`` if ``encoding`` does not decode the bytes or is unknown;
        ``table.binary``/``table.binary_sqlite``/``table.binary_xls``/``table.binary_zip``
        for binary data.

    Examples
    --------
    >>> decode_table_bytes("Döbeln".encode("cp1252")).encoding
    'cp1252'
    >>> d = decode_table_bytes("Empfänger\\nMüller\\n".encode() + "Löbau\\n".encode("latin-1"))
    >>> d.text.splitlines()[0], d.encoding, d.notices[0].params["lines"]
    ('Empfänger', 'utf-8', '3')
    """
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
            text = data.decode("utf-8-sig" if codec == "utf-8" else encoding)
        except (UnicodeDecodeError, LookupError):
            raise GeosozialError("table.encoding", file=source, encoding=encoding) from None
        return Decoded(text.removeprefix("\ufeff"), encoding)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_with_replacement(data[len(bom):], name, source)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode_with_replacement(data, utf16, source)
    problem = _binary_error(data, source)
    if problem is not None:
        raise problem
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if _VALID_UTF8_RE.search(data) is not None:
        valid, invalid = _utf8_evidence(data)
        if len(invalid) <= len(valid):
            text = data.decode("utf-8", errors="replace")
            notice = Notice("table.bad_bytes", "warning", file=source, count=len(invalid),
                            lines=_line_list(invalid), encoding="utf-8")
            return Decoded(text, "utf-8", [notice], text.count("\ufffd")
                           - data.count("\ufffd".encode()))
    else:
        valid = []
    notices = []
    try:
        text, used = data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, used = data.decode("latin-1"), "latin-1"
    if valid:
        notices.append(Notice("table.mixed_encoding", "warning", file=source, count=len(valid),
                              lines=_line_list(valid), encoding=used))
    return Decoded(text, used, notices)


def unreadable(path: str | Path, exc: OSError) -> GeosozialError:
    """The error for a file that cannot be opened (missing, a folder, no permission).

    Example:
        >>> unreadable("a.csv", FileNotFoundError(2, "No such file or directory")).text("en")
        'file a.csv cannot be read: No such file or directory'
    """
    return GeosozialError("table.unreadable", file=str(path),
                          reason=exc.strerror or type(exc).__name__)


def read_table_file(path: str | Path, encoding: str | None = None) -> Decoded:
    """Read and decode a table file (see :func:`decode_table_bytes`).

    An unreadable file (missing, a folder, no permission) is a
    :class:`~geosozial.core.messages.GeosozialError` naming it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b"\\xef\\xbb\\xbfAGS;Wert\\n")
    >>> read_table_file(p).text
    'AGS;Wert\\n'
    >>> read_table_file(p.parent / "fehlt.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geosozial.core.messages.GeosozialError: Datei .../fehlt.csv lässt sich nicht lesen: ...
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    return decode_table_bytes(data, encoding, str(path))
