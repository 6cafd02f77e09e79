"""Where the bundled demo project (the fictional Musterkreis) is.

The demo project lives in ``geodata/musterkreis/`` at the top of the repository (made by
``scripts/make_demo_data.py``) and is installed as package data under the import name
``geosozial.geodata``. Standard library only, so this module can be imported inside QGIS.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["demo_project"]

_PARTS = ("musterkreis", "projekt.toml")


def _installed() -> Path | None:
    """The installed ``projekt.toml`` of ``geosozial.geodata``, or None when there is none."""
    try:
        resource = files("geosozial.geodata").joinpath(_PARTS[0]).joinpath(_PARTS[1])
    except (ModuleNotFoundError, TypeError):
        # ModuleNotFoundError: running from a checkout without install, or from an
        # editable install (setuptools cannot map a namespace package such as
        # geosozial.geodata in editable mode); TypeError: Python 3.10 without a reader.
        return None
    if isinstance(resource, Path) and resource.is_file():
        return resource
    return None


def _source_tree() -> Path:
    """``geodata/musterkreis/projekt.toml`` beside the ``geosozial`` package folder."""
    package = Path(__file__).resolve().parents[1]  # geosozial/
    return package.parent / "geodata" / _PARTS[0] / _PARTS[1]


def demo_project() -> Path:
    """Return the path of the bundled demo project file ``musterkreis/projekt.toml``.

    The installed package data (``geosozial.geodata``) is preferred; from a checkout
    (also with an editable install) it is ``geodata/musterkreis/projekt.toml`` of the
    source tree. The project's tables, ``gemeinden.gpkg`` and ``sozialraeume.csv`` lie
    beside it.

    Returns
    -------
    pathlib.Path
        The absolute path of ``projekt.toml``, a real file on disk.

    Raises
    ------
    FileNotFoundError
        If neither the installed package data nor the source tree has the demo project
        (in a checkout: run ``python scripts/make_demo_data.py``).

    See Also
    --------
    geosozial.pipeline.project.run_project : runs a project file such as this one.

    Examples
    --------
    >>> demo_project().name
    'projekt.toml'
    >>> (demo_project().parent / "gemeinden.gpkg").is_file()
    True
    """
    installed = _installed()
    if installed is not None:
        return installed
    source = _source_tree()
    if source.is_file():
        return source
    raise FileNotFoundError(
        f"demo project not found: neither package data geosozial.geodata nor {source} "
        "(in a checkout, run: python scripts/make_demo_data.py)")
