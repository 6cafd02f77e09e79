"""Outputs that never destroy an input and appear whole or not at all (standard library only).

Every file geosozial writes (GeoPackages, HTML maps, PNGs, JSON/TXT reports, later the
atlas) goes through this module, from the CLI, the Python API, project runs and the
QGIS plugin alike:

- :func:`check_outputs` before the first output is written: no output is an input of
  the same run (resolved paths, symlinks, hard links, case variants), no two outputs
  are the same file, the folder exists and is writable, the name ends in the extension
  of the format written, a GeoPackage is not open elsewhere (no ``-wal``/``-journal``).
- :func:`atomic_path`: a temporary path in the target folder to write to (by any
  library: pyogrio, matplotlib); afterwards the file is synced and renamed into place
  with :func:`os.replace`. On any exception, ``KeyboardInterrupt`` included, the
  temporary file and its side files are removed and the previous output is untouched.
- :func:`atomic_write_bytes` / :func:`atomic_write_text` for content in memory.
- :class:`OutputSet`: the outputs of one run committed together at the end of a
  ``with`` block (in the order they were written); if one rename fails, those already
  renamed are restored. Writers inside the block join it by themselves.
- :func:`prepare_folder`: the rule for output *folders* (``report --out DIR``): they are
  created when missing. Single output files need an existing folder (a typo in a folder
  name is refused, not silently created).

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> target = folder / "bericht.txt"
>>> check_outputs([Output("--out", target, "txt")], inputs=[("TABELLE", folder / "t.csv")])
>>> atomic_write_text(target, "erste Fassung\\n").read_text(encoding="utf-8")
'erste Fassung\\n'
>>> with OutputSet() as outputs:
...     _ = atomic_write_text(target, "zweite Fassung\\n")
...     _ = atomic_write_text(folder / "b.json", "{}\\n")
...     target.read_text(encoding="utf-8")  # not yet committed
'erste Fassung\\n'
>>> target.read_text(encoding="utf-8"), sorted(p.name for p in folder.iterdir())
('zweite Fassung\\n', ['b.json', 'bericht.txt'])
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import stat
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geosozial.core.messages import GeosozialError, define

__all__ = ["FORMATS", "SIDE_SUFFIXES", "TEMP_MARKER", "Output", "OutputSet",
           "atomic_path", "atomic_write_bytes", "atomic_write_text", "check_outputs",
           "is_temporary", "prepare_folder", "protected_files", "same_file",
           "temporary_path"]

PathLike = str | os.PathLike

#: extensions each output format may have (lower case; compared case-insensitively)
FORMATS: dict[str, tuple[str, ...]] = {
    "gpkg": (".gpkg",),
    "html": (".html", ".htm"),
    "png": (".png",),
    "json": (".json",),
    "txt": (".txt",),
    "csv": (".csv",),
    "pdf": (".pdf",),
}

#: names of the formats in messages
FORMAT_NAMES = {
    "de": {"gpkg": "ein GeoPackage", "html": "eine HTML-Seite", "png": "ein PNG-Bild",
           "json": "JSON", "txt": "Text", "csv": "CSV", "pdf": "PDF"},
    "en": {"gpkg": "a GeoPackage", "html": "an HTML page", "png": "a PNG image",
           "json": "JSON", "txt": "text", "csv": "CSV", "pdf": "PDF"},
}

#: part of the name of every temporary file (``.karte.html.geosozial-tmp-1a2b3c.html``)
TEMP_MARKER = ".geosozial-tmp-"
#: part of the name of the short-lived copy of a previous output during a group commit
BACKUP_MARKER = ".geosozial-old-"

#: files SQLite/GDAL keep next to a database or dataset while writing it
SIDE_SUFFIXES = ("-journal", "-wal", "-shm", ".aux.xml")

#: side files of an existing GeoPackage that mean it is open or was left mid-write
_LIVE_SUFFIXES = ("-journal", "-wal", "-shm")

#: companion files of a Shapefile input (protected with it)
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd")

define("outputs.is_input",
       de="{parameter} {path} ist zugleich die Eingabe {input_parameter} {input}{real}; "
       "die Eingabe würde überschrieben. Bitte einen anderen Ausgabepfad wählen.",
       en="{parameter} {path} is also the input {input_parameter} {input}{real}; the input "
       "would be overwritten. Choose another output path.")
define("outputs.is_input_link",
       de="{parameter} {path} ist über einen Link dieselbe Datei wie die Eingabe "
       "{input_parameter} {input}{real}; die Eingabe würde überschrieben. Bitte einen anderen "
       "Ausgabepfad wählen.",
       en="{parameter} {path} is, through a link, the same file as the input "
       "{input_parameter} {input}{real}; the input would be overwritten. Choose another "
       "output path.")
define("outputs.twice",
       de="{parameter} {path} und {other_parameter} {other} sind dieselbe Datei; jede "
       "Ausgabe braucht einen eigenen Pfad.",
       en="{parameter} {path} and {other_parameter} {other} are the same file; each output "
       "needs a path of its own.")
define("outputs.extension",
       de="{parameter} {path}: geschrieben wird {format}, der Dateiname muss daher auf "
       "{expected} enden.",
       en="{parameter} {path}: this writes {format}, so the file name must end in "
       "{expected}.")
define("outputs.no_folder",
       de="{parameter} {path}: den Ordner {folder} gibt es nicht. Bitte den Ordner anlegen "
       "oder einen vorhandenen wählen; es wurde nichts geschrieben.",
       en="{parameter} {path}: the folder {folder} does not exist. Create it or choose an "
       "existing one; nothing was written.")
define("outputs.not_folder",
       de="{parameter} {path}: {folder} ist eine Datei, kein Ordner.",
       en="{parameter} {path}: {folder} is a file, not a folder.")
define("outputs.not_writable",
       de="{parameter} {path}: in den Ordner {folder} darf nicht geschrieben werden.",
       en="{parameter} {path}: the folder {folder} is not writable.")
define("outputs.read_only",
       de="{parameter} {path}: die vorhandene Datei ist schreibgeschützt und wird nicht "
       "ersetzt.",
       en="{parameter} {path}: the existing file is read-only and is not replaced.")
define("outputs.is_folder",
       de="{parameter} {path} ist ein Ordner; erwartet wird ein Dateiname.",
       en="{parameter} {path} is a folder; a file name is expected.")
define("outputs.in_use",
       de="{parameter} {path}: daneben liegt {side}; die Datei ist wohl in einem anderen "
       "Programm (z. B. QGIS) geöffnet oder ein Schreibvorgang wurde unterbrochen. Bitte "
       "das Programm schließen und erneut versuchen.",
       en="{parameter} {path}: {side} lies next to it; the file is probably open in another "
       "program (e.g. QGIS) or a write was interrupted. Close that program and try again.")
define("outputs.no_file",
       de="{path}: das Schreiben hat keine Datei erzeugt.",
       en="{path}: writing produced no file.")


@dataclass(frozen=True)
class Output:
    """One planned output: the parameter that names it, its path and its format.

    Parameters
    ----------
    parameter : str
        How the user named the output (``--out``, ``OUTPUT_HTML``, ``out``); shown in
        every message about it.
    path : str or os.PathLike
        The output file.
    format : str, optional
        A key of :data:`FORMATS`; the extension is checked against it. None: any name.

    Examples
    --------
    >>> Output("--out", "x.gpkg", "gpkg").path.suffix
    '.gpkg'
    """

    parameter: str
    path: Path
    format: str | None = None

    def __init__(self, parameter: str, path: PathLike, format: str | None = None) -> None:
        object.__setattr__(self, "parameter", parameter)
        object.__setattr__(self, "path", Path(path))
        object.__setattr__(self, "format", format)


# --- checks ------------------------------------------------------------------------------


def _real(path: Path) -> str:
    return os.path.normcase(os.path.realpath(os.path.abspath(path)))


def same_file(a: PathLike, b: PathLike) -> bool:
    """True if ``a`` and ``b`` are the same file.

    Parameters
    ----------
    a, b : str or os.PathLike
        Two paths; they need not exist.

    Returns
    -------
    bool
        True for the same inode (symlinks, hard links, case variants on a
        case-insensitive file system) or the same resolved path.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "a.csv").write_text("x")
    1
    >>> same_file(d / "a.csv", d / "sub" / ".." / "a.csv"), same_file(d / "a.csv", d / "b")
    (True, False)
    """
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:  # one of them does not exist (yet)
        pass
    return _real(Path(a)) == _real(Path(b))


def protected_files(path: PathLike) -> list[Path]:
    """The files an input stands for.

    Parameters
    ----------
    path : str or os.PathLike
        An input file.

    Returns
    -------
    list of Path
        ``path`` itself; for a Shapefile also its companions (``.shx``, ``.dbf``,
        ``.prj``, ...).

    Examples
    --------
    >>> [p.name for p in protected_files("gemeinden.shp")][:3]
    ['gemeinden.shp', 'gemeinden.shx', 'gemeinden.dbf']
    >>> [p.name for p in protected_files("t.csv")]
    ['t.csv']
    """
    path = Path(path)
    if path.suffix.lower() != ".shp":
        return [path]
    upper = path.suffix == ".SHP"
    return [path.with_suffix(s.upper() if upper else s) for s in _SHAPEFILE_PARTS]


def _expected(format: str, lang: str | None = None) -> str:
    from geosozial.core.messages import get_language

    joiner = " oder " if (lang or get_language()) == "de" else " or "
    return joiner.join(FORMATS[format])


def _check_extension(out: Output) -> None:
    if out.format is None:
        return
    if out.path.suffix.lower() not in FORMATS[out.format]:
        from geosozial.core.messages import get_language

        lang = get_language()
        raise GeosozialError("outputs.extension", parameter=out.parameter, path=str(out.path),
                             format=FORMAT_NAMES[lang][out.format],
                             expected=_expected(out.format, lang))


def _check_place(out: Output) -> None:
    path = out.path
    if path.is_dir():
        raise GeosozialError("outputs.is_folder", parameter=out.parameter, path=str(path))
    folder = Path(os.path.dirname(os.path.abspath(path)))
    if not folder.exists():
        raise GeosozialError("outputs.no_folder", parameter=out.parameter, path=str(path),
                             folder=str(folder))
    if not folder.is_dir():
        raise GeosozialError("outputs.not_folder", parameter=out.parameter, path=str(path),
                             folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise GeosozialError("outputs.not_writable", parameter=out.parameter,
                             path=str(path), folder=str(folder))
    if path.exists() and not os.access(path, os.W_OK):
        raise GeosozialError("outputs.read_only", parameter=out.parameter, path=str(path))
    if out.format == "gpkg":
        for suffix in _LIVE_SUFFIXES:
            side = Path(str(path) + suffix)
            if side.exists():
                raise GeosozialError("outputs.in_use", parameter=out.parameter,
                                     path=str(path), side=side.name)


def _check_not_input(out: Output, inputs: Sequence[tuple[str, Path]]) -> None:
    for parameter, given in inputs:
        for candidate in protected_files(given):
            if same_file(out.path, candidate):
                real = _real(candidate)
                shown = "" if real in (str(out.path), str(candidate)) else f" ({real})"
                # written differently but the same file: a symlink, hard link or case variant
                linked = (os.path.normcase(os.path.abspath(out.path))
                          != os.path.normcase(os.path.abspath(candidate)))
                raise GeosozialError("outputs.is_input_link" if linked else "outputs.is_input",
                                     parameter=out.parameter,
                                     path=str(out.path), input_parameter=parameter,
                                     input=str(candidate), real=shown)


def _as_output(item: Output | tuple[Any, ...]) -> Output:
    return item if isinstance(item, Output) else Output(*item)


def check_outputs(outputs: Iterable[Output | tuple[Any, ...]],
                  inputs: Iterable[tuple[str, PathLike | None]] = (), *,
                  planned: Sequence[Output] = (), place: bool = True) -> None:
    """Check every output of a run before the first one is written.

    Parameters
    ----------
    outputs : iterable of Output or tuple
        The outputs, as :class:`Output` or ``(parameter, path, format)``; entries whose
        path is None are skipped.
    inputs : iterable of (str, path)
        The run's inputs as pairs of parameter and path (None skipped); a Shapefile
        counts with its companion files.
    planned : sequence of Output, optional
        Outputs checked before (no output may be the same file as one of them).
    place : bool, default True
        False leaves out the checks of folder and file (for outputs whose folder is
        yet to be created).

    Raises
    ------
    GeosozialError
        Naming the parameter and the path(s), in this order of checks: the output is
        an input (``outputs.is_input``, ``outputs.is_input_link``); two outputs are the
        same file (``outputs.twice``); the extension does not fit the format
        (``outputs.extension``); the folder is missing, not a folder or not writable,
        the output is a folder or a read-only file, or a GeoPackage has a
        ``-wal``/``-shm``/``-journal`` beside it (open in QGIS, or an interrupted write).

    Examples
    --------
    >>> check_outputs([("--out", "ergebnis.csv", "gpkg")])
    Traceback (most recent call last):
    ...
    geosozial.core.messages.GeosozialError: --out ergebnis.csv: geschrieben wird ein
    GeoPackage, der Dateiname muss daher auf .gpkg enden.
    >>> try:
    ...     check_outputs([("--out", "t.csv", "csv")], inputs=[("TABELLE", "t.csv")])
    ... except GeosozialError as exc:
    ...     print(exc.text("en").split(";")[0])
    --out t.csv is also the input TABELLE t.csv...
    """
    given = [(p, Path(i)) for p, i in inputs if i is not None]
    wanted = [_as_output(o) for o in outputs]
    wanted = [o for o in wanted if o.path is not None and str(o.path) != ""]
    seen = list(planned)
    for out in wanted:  # the worst case first: an input would be destroyed
        _check_not_input(out, given)
    for out in wanted:
        for other in seen:
            if same_file(out.path, other.path):
                raise GeosozialError("outputs.twice", parameter=other.parameter,
                                     path=str(other.path), other_parameter=out.parameter,
                                     other=str(out.path))
        seen.append(out)
    for out in wanted:
        _check_extension(out)
    if place:
        for out in wanted:
            _check_place(out)


def prepare_folder(parameter: str, folder: PathLike) -> list[Path]:
    """Make sure the output folder ``folder`` exists.

    The rule for output *folders* (``report --out DIR``, ``demo --out DIR``): a missing
    folder is created, with missing parents. (Single output files need an existing
    folder: see :func:`check_outputs`.)

    Parameters
    ----------
    parameter : str
        How the user named the folder (for messages).
    folder : str or os.PathLike
        The output folder.

    Returns
    -------
    list of Path
        The folders created, outermost first (empty if ``folder`` existed).

    Raises
    ------
    GeosozialError
        If ``folder`` or a parent is a file, or the nearest existing parent is not
        writable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> base = Path(tempfile.mkdtemp())
    >>> [p.name for p in prepare_folder("--out", base / "a" / "b")]
    ['a', 'b']
    >>> prepare_folder("--out", base / "a")
    []
    """
    folder = Path(folder)
    missing: list[Path] = []
    probe = Path(os.path.abspath(folder))
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise GeosozialError("outputs.not_folder", parameter=parameter, path=str(folder),
                             folder=str(probe))
    if not os.access(probe, os.W_OK | os.X_OK):
        raise GeosozialError("outputs.not_writable", parameter=parameter, path=str(folder),
                             folder=str(probe))
    created: list[Path] = []
    for part in reversed(missing):
        os.mkdir(part)
        created.append(part)
    return created


# --- temporary files ---------------------------------------------------------------------


def temporary_path(target: PathLike) -> Path:
    """A fresh temporary path beside ``target``.

    Parameters
    ----------
    target : str or os.PathLike
        The output the temporary file is for.

    Returns
    -------
    Path
        ``.<name>.geosozial-tmp-<random><suffix>`` in the folder of ``target``, with the
        same extension (drivers that look at it, GDAL's among them, accept it); the
        file does not exist.

    Examples
    --------
    >>> p = temporary_path("/data/karte.html")
    >>> p.parent.as_posix(), p.name.startswith(".karte.html.geosozial-tmp-"), p.suffix
    ('/data', True, '.html')
    """
    target = Path(target)
    while True:
        path = target.with_name(f".{target.name}{TEMP_MARKER}{secrets.token_hex(4)}"
                                f"{target.suffix}")
        if not os.path.lexists(path):
            return path


def is_temporary(path: PathLike) -> bool:
    """True for a temporary or backup file made by this module.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    bool
        True if the name carries :data:`TEMP_MARKER` or the backup marker (a file
        left behind only if the process was killed outright).

    Examples
    --------
    >>> is_temporary(temporary_path("x.gpkg")), is_temporary("x.gpkg")
    (True, False)
    """
    name = Path(path).name
    return TEMP_MARKER in name or BACKUP_MARKER in name


def _remove(path: Path, side_files: Sequence[str] = SIDE_SUFFIXES) -> None:
    for victim in [path, *(Path(str(path) + s) for s in side_files)]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(victim)


def _final(target: Path) -> Path:
    """Where to put the output: a symlink is kept and its file replaced."""
    return Path(os.path.realpath(target)) if os.path.islink(target) else target


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # a file system without fsync (some network shares)
        if exc.errno not in (22, 95):  # EINVAL, EOPNOTSUPP
            raise
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Deferred:
    """SIGINT held back while files are renamed, delivered afterwards."""

    def __init__(self) -> None:
        self.signalled = False
        self.previous: Any = None
        self.active = False

    def handler(self, signum: int, frame: Any) -> None:
        self.signalled = True

    @property
    def raises(self) -> bool:
        return self.previous is signal.default_int_handler

    def deliver(self) -> None:
        if not self.signalled:
            return
        self.signalled = False
        if callable(self.previous):
            self.previous(signal.SIGINT, None)
        elif self.previous == signal.SIG_DFL:
            raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[_Deferred]:
    state = _Deferred()
    if threading.current_thread() is threading.main_thread():
        try:
            state.previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, state.handler)
            state.active = True
        except (ValueError, OSError, TypeError):  # not the main interpreter, no signals
            state.active = False
    try:
        yield state
    finally:
        if state.active:
            signal.signal(signal.SIGINT, state.previous)


def _keep_mode(target: Path, tmp: Path) -> None:
    """The new file keeps the permissions of the file it replaces."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(tmp, mode)


def _backup(target: Path) -> Path | None:
    if not target.exists():
        return None
    backup = target.with_name(f".{target.name}{BACKUP_MARKER}{secrets.token_hex(4)}"
                              f"{target.suffix}")
    try:
        os.link(target, backup)  # the previous file stays where it is
    except OSError:
        shutil.copy2(target, backup)
    return backup


def _same_bytes(a: Path, b: Path, chunk: int = 1 << 20) -> bool:
    """True if the files ``a`` and ``b`` exist and hold the same bytes."""
    try:
        if not b.is_file() or a.stat().st_size != b.stat().st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                block = fa.read(chunk)
                if block != fb.read(chunk):
                    return False
                if not block:
                    return True
    except OSError:
        return False


def _commit(pairs: Sequence[tuple[Path, Path]]) -> None:
    """Rename the temporary files onto their targets, in order; all or none.

    A target whose bytes equal its new file is left as it is (its mtime too). The
    previous version of every target but the last is kept as a hard link (or copy)
    until all renames succeeded, so a failure restores it. SIGINT is held back while
    renaming; one that arrives stops before the next rename and restores the others.
    """
    for tmp, target in pairs:
        if not tmp.exists():
            raise GeosozialError("outputs.no_file", path=str(target))
    # a file whose bytes did not change stays as it is (bytes and mtime: a re-run with
    # the same inputs rewrites nothing)
    unchanged = [(tmp, target) for tmp, target in pairs if _same_bytes(tmp, target)]
    for tmp, _ in unchanged:
        _remove(tmp)
    pairs = [pair for pair in pairs if pair not in unchanged]
    for tmp, target in pairs:
        _sync_file(tmp)
        _keep_mode(target, tmp)
    backups: list[Path | None] = []
    done: list[tuple[Path, Path | None]] = []
    with _interrupts_deferred() as deferred:
        try:
            for i, (tmp, target) in enumerate(pairs):
                if deferred.signalled and deferred.raises:
                    raise KeyboardInterrupt
                backup = _backup(target) if i < len(pairs) - 1 else None
                backups.append(backup)
                os.replace(tmp, target)
                done.append((target, backup))
        except BaseException:
            for target, backup in reversed(done):
                if backup is not None:
                    os.replace(backup, target)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(target)
            raise
        finally:
            for backup in backups:
                if backup is not None:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(backup)
            for tmp, _ in pairs:
                _remove(tmp)  # side files GDAL left beside the temporary file
        for folder in dict.fromkeys(target.parent for _, target in pairs):
            _sync_folder(folder)
    deferred.deliver()


def _discard(paths: Iterable[Path]) -> None:
    with _interrupts_deferred() as deferred:
        for path in paths:
            _remove(path)
    deferred.deliver()


# --- writing -------------------------------------------------------------------------


_CURRENT: ContextVar[OutputSet | None] = ContextVar("geosozial_output_set", default=None)


@contextlib.contextmanager
def atomic_path(target: PathLike) -> Iterator[Path]:
    """A temporary path beside ``target`` to write to, renamed into place afterwards.

    When the block ends without an exception, the file is synced (fsync) and renamed
    onto ``target`` with :func:`os.replace`; inside an active :class:`OutputSet` the
    rename happens when the set ends. On any exception (``KeyboardInterrupt``
    included) the temporary file and its side files (``-journal``, ``-wal``, ``-shm``,
    ``.aux.xml``) are removed and the previous ``target`` is untouched. A ``target``
    that is a symlink stays one: the file it points to is replaced. The new file keeps
    the permissions of the file it replaces.

    Parameters
    ----------
    target : str or os.PathLike
        The output file. Check it first with :func:`check_outputs`.

    Yields
    ------
    Path
        The temporary path (not yet existing) for any writer: pyogrio, matplotlib,
        QGIS file writers.

    Raises
    ------
    GeosozialError
        ``outputs.no_file`` if the block wrote nothing; inside an :class:`OutputSet`
        also if ``target`` is one of the set's inputs.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("neu", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    'neu'
    >>> try:
    ...     with atomic_path(target) as tmp:
    ...         _ = tmp.write_text("halb", encoding="utf-8")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> target.read_text(encoding="utf-8"), [p.name for p in target.parent.iterdir()]
    ('neu', ['a.txt'])
    """
    final = _final(Path(target))
    tmp = temporary_path(final)
    try:
        yield tmp
        current = _CURRENT.get()
        if current is not None:
            current.add(tmp, final)
        else:
            _commit([(tmp, final)])
    except BaseException:
        _discard([tmp])
        raise


def atomic_write_bytes(target: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`).

    Parameters
    ----------
    target : str or os.PathLike
        The output file.
    data : bytes
        Its whole content.

    Returns
    -------
    Path
        ``target``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> atomic_write_bytes(Path(tempfile.mkdtemp()) / "k.html", b"<p>").stat().st_size
    3
    """
    target = Path(target)
    with atomic_path(target) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    return target


def atomic_write_text(target: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (see :func:`atomic_path`).

    Parameters
    ----------
    target : str or os.PathLike
        The output file.
    text : str
        Its whole content; line ends are written as given (no ``\\r\\n`` translation).
    encoding : str, default "utf-8"

    Returns
    -------
    Path
        ``target``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> atomic_write_text(Path(tempfile.mkdtemp()) / "r.txt", "Äpfel\\n").read_bytes()
    b'\\xc3\\x84pfel\\n'
    """
    return atomic_write_bytes(target, text.encode(encoding))


class OutputSet:
    """The outputs of one run: committed together when the ``with`` block ends.

    Every :func:`atomic_path` (and so every writer of geosozial) inside the block
    writes its temporary file and leaves the rename to the set. When the block ends
    without an exception, all files are renamed into place in the order they were
    written (a GeoPackage before the report beside it); if a rename fails, the files
    already renamed get their previous version back. On an exception nothing is
    renamed and every temporary file is removed, as are folders the set created
    (:meth:`folder`) if they are empty. A set inside another set hands its files on
    to the outer one.

    Parameters
    ----------
    inputs : iterable of (str, path)
        The run's inputs as pairs of parameter and path (None skipped): :meth:`check`
        refuses outputs that would replace them, and so does every file the set takes
        on (a last line of defence for outputs nobody checked).

    Attributes
    ----------
    written : list of Path
        The files renamed into place (after the set ended).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> table = folder / "t.csv"
    >>> _ = table.write_text("AGS;x\\n", encoding="utf-8")
    >>> try:
    ...     with OutputSet(inputs=[("TABELLE", table)]) as outputs:
    ...         _ = atomic_write_text(folder / "ok.txt", "x")
    ...         _ = atomic_write_text(table, "kaputt")
    ... except GeosozialError as exc:
    ...     print(exc.code)
    outputs.is_input
    >>> table.read_text(encoding="utf-8"), sorted(p.name for p in folder.iterdir())
    ('AGS;x\\n', ['t.csv'])
    """

    def __init__(self, inputs: Iterable[tuple[str, PathLike | None]] = ()) -> None:
        self.inputs: list[tuple[str, Path]] = [(p, Path(i)) for p, i in inputs
                                               if i is not None]
        self.planned: list[Output] = []
        self.written: list[Path] = []
        self._pending: list[tuple[Path, Path]] = []
        self._pending_real: dict[str, Path] = {}
        self._planned_real: dict[str, str] = {}
        self._created: list[Path] = []
        self._outer: OutputSet | None = None
        self._token: Any = None

    # -- set up
    def protect(self, parameter: str, path: PathLike | None) -> None:
        """Add an input that no output of this set may replace."""
        if path is not None:
            self.inputs.append((parameter, Path(path)))

    def all_inputs(self) -> list[tuple[str, Path]]:
        """The inputs of this set and of the sets around it."""
        found = list(self.inputs)
        outer = self._outer
        while outer is not None:
            found += outer.inputs
            outer = outer._outer
        return found

    def check(self, outputs: Iterable[Output | tuple[Any, ...]]) -> None:
        """:func:`check_outputs` against this set's inputs and outputs planned so far;
        the outputs are then planned."""
        wanted = [o for o in (_as_output(x) for x in outputs)
                  if o.path is not None and str(o.path) != ""]
        check_outputs(wanted, self.all_inputs(), planned=self.planned)
        self.planned += wanted

    def folder(self, parameter: str, path: PathLike) -> Path:
        """Create the output folder ``path`` if missing (see :func:`prepare_folder`);
        folders created are removed again if the set fails and they are empty."""
        self._created += prepare_folder(parameter, path)
        return Path(path)

    # -- during the run
    def add(self, tmp: Path, target: Path) -> None:
        """Take on a written temporary file ``tmp`` for ``target`` (a target written twice
        is an error; both lookups by resolved path, so a run of many files stays linear)."""
        real = _real(Path(target))
        if len(self._planned_real) != len(self.planned):
            self._planned_real = {_real(Path(o.path)): o.parameter for o in self.planned}
        parameter = self._planned_real.get(real, str(target))
        _check_not_input(Output(parameter, target), self.all_inputs())
        other = self._pending_real.get(real)
        if other is None:  # hard links and case variants: the slow check, rare
            other = next((o for _, o in self._pending if same_file(o, target)), None) \
                if os.path.exists(target) else None
        if other is not None:
            first = self._planned_real.get(_real(Path(other)), str(other))
            raise GeosozialError("outputs.twice", parameter=first, path=str(other),
                                 other_parameter=parameter, other=str(target))
        self._pending.append((tmp, target))
        self._pending_real[real] = target

    @property
    def pending(self) -> list[Path]:
        """The targets written but not yet renamed into place."""
        return [target for _, target in self._pending]

    # -- end
    def commit(self) -> list[Path]:
        """Rename every pending file into place (all or none); returns the targets."""
        pairs, self._pending = self._pending, []
        self._pending_real = {}
        try:
            _commit(pairs)
        except BaseException:
            _discard(tmp for tmp, _ in pairs)
            self._remove_created()
            raise
        self.written += [target for _, target in pairs]
        return [target for _, target in pairs]

    def discard(self) -> None:
        """Remove every pending temporary file (nothing is renamed)."""
        pairs, self._pending = self._pending, []
        self._pending_real = {}
        _discard(tmp for tmp, _ in pairs)
        self._remove_created()

    def _remove_created(self) -> None:
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty
        self._created = []

    def __enter__(self) -> OutputSet:
        self._outer = _CURRENT.get()
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        _CURRENT.reset(self._token)
        if kind is not None:
            self.discard()
            return
        outer = self._outer
        if outer is None:
            self.commit()
            return
        pairs, self._pending = self._pending, []
        try:
            for tmp, target in pairs:
                outer.add(tmp, target)
        except BaseException:
            _discard(tmp for tmp, _ in pairs)
            raise
        outer._created += self._created
        outer.planned += self.planned
        self.written += [target for _, target in pairs]


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x"
    >>> _ = p.write_bytes(b"")
    >>> sha256_file(p)[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
