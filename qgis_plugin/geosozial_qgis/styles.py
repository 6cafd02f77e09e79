"""Layer styles with the DESIGN colours and German class labels (GeoDa's colours).

LISA clusters, Gi* bins, local Geary classes (univariate and multivariate) and local
join counts / quantile LISA, with the colours and labels of the HTML maps
(:mod:`geosozial.maps.palettes`).
"""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsRendererCategory,
)

#: the class column each result kind is styled by (:data:`geosozial.core.results.ROLES`)
CLASS_COLUMNS = {"lisa": "lisa_cluster", "gi": "gi_bin", "geary": "geary_cluster",
                 "joincount": "jc_cluster"}


def lisa_categories() -> list[tuple[str, str, str]]:
    """(value, colour, label) of the LISA classes, as the HTML maps."""
    from geosozial.maps.palettes import LISA_CLASSES, LISA_COLOURS, lisa_label

    return [(c, LISA_COLOURS[c], lisa_label(c, "de")) for c in LISA_CLASSES]


def gi_categories() -> list[tuple[int, str, str]]:
    """(bin, colour, label) of the Gi* bins from hot to cold."""
    from geosozial.maps.palettes import GI_BINS, GI_COLOURS, gi_label

    return [(b, GI_COLOURS[b], gi_label(b, "de")) for b in GI_BINS]


def geary_categories(multivariate: bool = False) -> list[tuple[str, str, str]]:
    """(value, colour, label) of the local Geary classes: High-High, Low-Low, other
    positive, negative (univariate) or positive, negative (multivariate); ns, isolated."""
    from geosozial.maps.palettes import GEARY_CLASSES, GEARY_COLOURS, class_label

    wanted = ({"Positive", "Negative", "ns", "isolated"} if multivariate else
              {"High-High", "Low-Low", "Other positive", "Negative", "ns", "isolated"})
    return [(c, GEARY_COLOURS[c], class_label(c, "de")) for c in GEARY_CLASSES
            if c in wanted]


def joincount_categories() -> list[tuple[str, str, str]]:
    """(value, colour, label) of local join counts and the quantile LISA."""
    from geosozial.maps.palettes import JOIN_CLASSES, JOIN_COLOURS, class_label

    return [(c, JOIN_COLOURS[c], class_label(c, "de")) for c in JOIN_CLASSES]


def categories(kind: str, multivariate: bool = False) -> list[tuple]:
    """The categories of a result kind (``lisa``, ``gi``, ``geary``, ``joincount``)."""
    if kind == "lisa":
        return lisa_categories()
    if kind == "gi":
        return gi_categories()
    if kind == "geary":
        return geary_categories(multivariate)
    if kind == "joincount":
        return joincount_categories()
    raise KeyError(kind)


def categorized(field: str, categories) -> QgsCategorizedSymbolRenderer:
    """A categorized renderer: one fill per class, grey outline."""
    cats = []
    for value, colour, label in categories:
        symbol = QgsFillSymbol.createSimple({"color": colour, "outline_color": "#666666",
                                             "outline_width": "0.2"})
        cats.append(QgsRendererCategory(value, symbol, label))
    return QgsCategorizedSymbolRenderer(field, cats)


def style_layer(layer, kind: str, multivariate: bool = False) -> None:
    """Apply the style of a result kind to ``layer`` (by its class column) and repaint."""
    layer.setRenderer(categorized(CLASS_COLUMNS[kind], categories(kind, multivariate)))
    layer.triggerRepaint()


def save_default_style(layer) -> str:
    """Store the style in a GeoPackage as its default; '' on success, else the error."""
    if layer.providerType() != "ogr" or ".gpkg" not in layer.source().lower():
        return "kein GeoPackage"
    result = layer.saveStyleToDatabase(layer.name() or "geosozial", "geosozial", True, "")
    # QGIS 3.22 returns None and reports through the message argument
    return result if isinstance(result, str) else ""
