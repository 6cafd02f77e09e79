"""Layer styles with the DESIGN colours and German class labels (LISA, Gi*)."""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsRendererCategory,
)


def lisa_categories() -> list[tuple[str, str, str]]:
    """(value, colour, label) of the LISA classes, as the HTML maps."""
    from geosozial.maps.palettes import LISA_CLASSES, LISA_COLOURS, lisa_label

    return [(c, LISA_COLOURS[c], lisa_label(c, "de")) for c in LISA_CLASSES]


def gi_categories() -> list[tuple[int, str, str]]:
    """(bin, colour, label) of the Gi* bins from hot to cold."""
    from geosozial.maps.palettes import GI_BINS, GI_COLOURS, gi_label

    return [(b, GI_COLOURS[b], gi_label(b, "de")) for b in GI_BINS]


def categorized(field: str, categories) -> QgsCategorizedSymbolRenderer:
    """A categorized renderer: one fill per class, grey outline."""
    cats = []
    for value, colour, label in categories:
        symbol = QgsFillSymbol.createSimple({"color": colour, "outline_color": "#666666",
                                             "outline_width": "0.2"})
        cats.append(QgsRendererCategory(value, symbol, label))
    return QgsCategorizedSymbolRenderer(field, cats)


def style_layer(layer, kind: str) -> None:
    """Apply the LISA (``lisa``) or Gi* (``gi``) style to ``layer`` and repaint it."""
    if kind == "lisa":
        layer.setRenderer(categorized("lisa_cluster", lisa_categories()))
    else:
        layer.setRenderer(categorized("gi_bin", gi_categories()))
    layer.triggerRepaint()


def save_default_style(layer) -> str:
    """Store the style in a GeoPackage as its default; '' on success, else the error."""
    if layer.providerType() != "ogr" or ".gpkg" not in layer.source().lower():
        return "kein GeoPackage"
    result = layer.saveStyleToDatabase(layer.name() or "geosozial", "geosozial", True, "")
    # QGIS 3.22 returns None and reports through the message argument
    return result if isinstance(result, str) else ""
