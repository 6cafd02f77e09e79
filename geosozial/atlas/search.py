"""The offline search index: areas, indicators and Handlungsfelder, no values.

The index is prebuilt at build time and shipped twice: ``assets/suche.json`` (for other
tools and web servers) and ``assets/suche.js`` (the same list as a script; pages opened
from ``file://`` may not fetch JSON). The start page's search box filters it in the
browser. It holds names, keys, kinds and words of definitions, never a value, so no
withheld value can reach it.

Examples
--------
>>> from geosozial.atlas.model import AtlasModel, Area, GEMEINDE
>>> m = AtlasModel("A", "K", "de", [2023], "", "", "", "",
...                areas=[Area("14999010", "Ährenfeld", GEMEINDE, "gemeinden/14999010.html")])
>>> search_index(m)[0]["t"], search_index(m)[0]["u"]
('Ährenfeld', 'gemeinden/14999010.html')
"""

from __future__ import annotations

import json
from typing import Any

from geosozial.atlas.model import GEMEINDE, AtlasModel, slug
from geosozial.atlas.pages import script_json
from geosozial.atlas.texts import text

__all__ = ["search_index", "search_json", "search_script"]


def search_index(model: AtlasModel) -> list[dict[str, Any]]:
    """The entries of the search index: ``t`` title, ``u`` link (from the site folder),
    ``k`` kind, ``w`` more words to match.

    Parameters
    ----------
    model : AtlasModel

    Returns
    -------
    list of dict

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> search_index(AtlasModel("A", "K", "de", [2023], "", "", "", ""))
    []
    """
    lang = model.lang
    entries = []
    for area in model.areas:
        if area.level == GEMEINDE:
            words = " ".join(x for x in (area.key, area.kind, area.sozialraum) if x)
            kind = text(lang, "gemeinde")
        else:
            members = [model.area(GEMEINDE, k) for k in area.members]
            words = " ".join(m.name for m in members if m is not None)
            kind = text(lang, "sozialraum")
        entries.append({"t": area.name, "u": area.page, "k": kind, "w": words})
    for ind in model.indicators:
        entries.append({"t": ind.label, "u": ind.page, "k": text(lang, "indicator"),
                        "w": f"{ind.id} {ind.definition} {ind.unit}"})
    for name, ids in model.handlungsfelder:
        labels = [i.label for i in model.indicators if i.id in ids]
        entries.append({"t": name, "u": "index.html#hf-" + slug(name),
                        "k": text(lang, "handlungsfelder"), "w": " ".join(labels)})
    return entries


def search_json(model: AtlasModel) -> str:
    """``assets/suche.json``.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> search_json(AtlasModel("A", "K", "de", [2023], "", "", "", ""))
    '[]\\n'
    """
    return json.dumps(search_index(model), ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def search_script(model: AtlasModel) -> str:
    """``assets/suche.js``: the index as ``window.geosozialSuche``.

    Examples
    --------
    >>> from geosozial.atlas.model import AtlasModel
    >>> search_script(AtlasModel("A", "K", "de", [2023], "", "", "", ""))
    'window.geosozialSuche = [];\\n'
    """
    return "window.geosozialSuche = " + script_json(search_index(model)) + ";\n"
