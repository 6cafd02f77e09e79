"""The static social atlas: start page, indicator pages, Sozialdatenblätter, comparison,
downloads and a manifest for incremental, byte-identical builds.

Modules, in the order data flows:

- :mod:`~geosozial.atlas.data`: the model from the project file and the run's store
  (the geopandas side);
- :mod:`~geosozial.atlas.model`, :mod:`~geosozial.atlas.settings`: the plain model
  (Kreis values are the store's level ``Kreis``), the ``[atlas]`` section;
- :mod:`~geosozial.atlas.sheets`: a Sozialdatenblatt as a plain dict (HTML now, PDF
  later);
- :mod:`~geosozial.atlas.charts`, :mod:`~geosozial.atlas.tables`,
  :mod:`~geosozial.atlas.layout`, :mod:`~geosozial.atlas.pages`,
  :mod:`~geosozial.atlas.search`: SVG charts, tables, page shell, pages, search index;
- :mod:`~geosozial.atlas.downloads`, :mod:`~geosozial.atlas.xlsx`: CSV and XLSX;
- :mod:`~geosozial.atlas.manifest`, :mod:`~geosozial.atlas.build`: the build.

Example:
    >>> from geosozial.atlas import build_atlas, check_atlas
    >>> callable(build_atlas), callable(check_atlas)
    (True, True)
"""

from __future__ import annotations

from typing import Any

__all__ = ["AtlasSummary", "build_atlas", "check_atlas"]


def __getattr__(name: str) -> Any:
    if name in ("AtlasSummary", "build_atlas"):
        from geosozial.atlas import build

        return getattr(build, name)
    if name == "check_atlas":
        from geosozial.atlas.manifest import check_atlas

        return check_atlas
    raise AttributeError(f"module 'geosozial.atlas' has no attribute {name!r}")
