"""The atlas manifest: content hashes of the inputs and outputs of a build.

``atlas_manifest.json`` in the site folder records what a build read (the project file,
the time-series store, the names of the run's maps, the generator: geosozial version,
a hash of the atlas code, language, ``SOURCE_DATE_EPOCH``) and the SHA-256 of every file
it wrote. A rebuild whose inputs equal the manifest's and whose outputs are all intact
does nothing (:func:`up_to_date`); :func:`check_atlas` lists every file that differs.
Standard library only: the check imports nothing heavy.

Examples
--------
>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "index.html").write_text("<p>", encoding="utf-8")
>>> write_manifest(folder, {"generator": {"geosozial": "0.1.0"}},
...                {"index.html": sha256_file(folder / "index.html")})
True
>>> check_atlas(folder)
[]
>>> _ = (folder / "index.html").write_text("<p>anders", encoding="utf-8")
>>> check_atlas(folder)
['index.html']
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geosozial.core.outputs import sha256_file

__all__ = ["MANIFEST", "SITE_FOLDERS", "check_atlas", "code_hash", "read_manifest",
           "sha256_file", "up_to_date", "write_manifest"]

MANIFEST = "atlas_manifest.json"
FORMAT = 1
#: folders that belong to the atlas (a file in them that the manifest does not list is
#: reported by :func:`check_atlas`)
SITE_FOLDERS = ("assets", "indikatoren", "gemeinden", "sozialraeume", "downloads", "pdf")

_HERE = Path(__file__).resolve().parent



def code_hash() -> str:
    """A hash of the atlas code and assets: a new version of them rebuilds the site.

    Examples
    --------
    >>> len(code_hash())
    64
    """
    digest = hashlib.sha256()
    files = sorted([*_HERE.glob("*.py"), *(_HERE / "assets").glob("*")])
    for path in files:
        if path.is_file():
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_manifest(out: str | Path) -> dict[str, Any] | None:
    """The manifest of the site in ``out`` (None if there is none or it is unreadable).

    Examples
    --------
    >>> read_manifest("/nonexistent") is None
    True
    """
    path = Path(out) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def manifest_text(inputs: Mapping[str, Any], outputs: Mapping[str, str]) -> str:
    """The manifest as text (sorted keys, one entry a line; the same for the same build).

    Examples
    --------
    >>> manifest_text({}, {"a.html": "00"}).splitlines()[0]
    '{'
    """
    data = {"format": FORMAT, "inputs": dict(inputs), "outputs": dict(sorted(outputs.items()))}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_manifest(out: str | Path, inputs: Mapping[str, Any],
                   outputs: Mapping[str, str]) -> bool:
    """Write the manifest atomically if its content changed; True if it was written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_manifest(folder, {}, {}), write_manifest(folder, {}, {})
    (True, False)
    """
    from geosozial.core.outputs import atomic_write_bytes

    path = Path(out) / MANIFEST
    data = manifest_text(inputs, outputs).encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def _differing_outputs(out: Path, outputs: Mapping[str, str]) -> list[str]:
    bad = []
    for name, digest in outputs.items():
        path = out / name
        try:
            if sha256_file(path) != digest:
                bad.append(name)
        except OSError:
            bad.append(name)
    return bad


def up_to_date(out: str | Path, inputs: Mapping[str, Any]) -> list[str] | None:
    """The outputs of the manifest if the site needs no rebuild for ``inputs``, else None.

    Parameters
    ----------
    out : str or Path
        The site folder.
    inputs : mapping
        The inputs of the planned build (as recorded in a manifest).

    Returns
    -------
    list of str or None
        The output names (all intact) or None (no manifest, other inputs, or an output
        missing or changed).

    Examples
    --------
    >>> up_to_date("/nonexistent", {}) is None
    True
    """
    manifest = read_manifest(out)
    if manifest is None or manifest.get("inputs") != json.loads(json.dumps(dict(inputs))):
        return None
    outputs = manifest.get("outputs", {})
    if _differing_outputs(Path(out), outputs):
        return None
    return list(outputs)


def check_atlas(out: str | Path, project: str | Path | None = None) -> list[str]:
    """The files of the site in ``out`` that differ from its manifest.

    Lists, relative to ``out``: every output whose bytes changed or that is missing,
    every file in the atlas folders (:data:`SITE_FOLDERS`) the manifest does not know,
    the store if its content changed since the build and, when ``project`` is given,
    the project file if it is not the one the site was built from. A missing manifest
    is reported as ``atlas_manifest.json``.

    Parameters
    ----------
    out : str or Path
        The site folder.
    project : str or Path, optional
        The project file to verify as well (the manifest records only its name and
        hash, so that it names no folder outside the site).

    Returns
    -------
    list of str
        Sorted; empty when the site matches its manifest.

    Examples
    --------
    >>> check_atlas("/nonexistent")
    ['atlas_manifest.json']
    """
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        return [MANIFEST]
    outputs = manifest.get("outputs", {})
    bad = set(_differing_outputs(out, outputs))
    for folder in SITE_FOLDERS:
        base = out / folder
        if not base.is_dir():
            continue
        for root, _dirs, files in os.walk(base):
            for name in files:
                rel = (Path(root) / name).relative_to(out).as_posix()
                if rel not in outputs:
                    bad.add(rel)
    inputs = manifest.get("inputs", {})
    store = inputs.get("store", {})
    if isinstance(store, dict) and "path" in store and "content" in store:
        from geosozial.core.store_file import content_hash

        if content_hash(out / store["path"]) != store["content"]:
            bad.add(str(store["path"]))
    recorded = inputs.get("project", {})
    if project is not None and isinstance(recorded, dict):
        try:
            same = sha256_file(project) == recorded.get("sha256")
        except OSError:
            same = False
        if not same:
            bad.add(str(project))
        bad |= _changed_tables(Path(project), inputs.get("tables", {}))
    return sorted(bad)


def _changed_tables(project: Path, recorded: Any) -> set[str]:
    """The run's input files (by project entry) whose bytes differ from the manifest."""
    from geosozial.core.messages import GeosozialError
    from geosozial.core.project import load_project, project_inputs

    if not isinstance(recorded, dict):
        return set()
    try:
        current = project_inputs(load_project(project))[1:]
    except GeosozialError:
        return {str(project)}
    bad = set()
    for name, path in current:
        try:
            same = sha256_file(path) == recorded.get(name)
        except OSError:
            same = False
        if not same:
            bad.add(f"{name}: {path}")
    return bad
