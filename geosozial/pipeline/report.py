"""``geosozial report``: run a project, then build its atlas beside the run's outputs.

Example:
    >>> run, atlas = report("geodata/musterkreis/projekt.toml", "demo_out")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geosozial.atlas.build import AtlasSummary, Progress, build_atlas
from geosozial.pipeline.project import run_project

__all__ = ["report"]


def report(project_path: str | Path, out: str | Path, *, lang: str = "de",
           database: str | None = None, out_parameter: str = "out",
           progress: Progress | None = None) -> tuple[Any, AtlasSummary]:
    """Run a project and build its atlas: what ``geosozial report`` and ``gs.report`` do.

    :func:`~geosozial.pipeline.project.run_project` writes the GeoPackages, reports,
    maps and the store into ``out`` (all together); then :func:`build_atlas` writes the
    site beside them (only files whose bytes changed).

    Returns
    -------
    tuple of (RunSummary, AtlasSummary)

    Examples
    --------
    >>> run, atlas = report("geodata/musterkreis/projekt.toml", "demo_out")  # doctest: +SKIP
    """
    summary = run_project(project_path, Path(out), lang=lang, out_parameter=out_parameter,
                          database=database)
    return summary, build_atlas(project_path, out, lang=lang, progress=progress)
