"""The HTML map writer without a browser: determinism, no external requests, escaping,
vendored Leaflet, number format, size, input checks. The page itself is driven in
Chromium by tests/browser/test_maps_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from pathlib import Path

import pytest

from geosozial.core.messages import GeosozialError
from geosozial.maps import html as maphtml
from geosozial.maps.html import (
    Column,
    LegendClass,
    MapDocument,
    MapLayer,
    number_text,
    render_map,
    script_json,
    write_map,
)

VENDOR = Path(maphtml.__file__).parent / "vendor" / "leaflet"
LEAFLET_JS_SHA256 = "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a"

HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>",
           "${alert(1)}", "{{7*7}}", "a\u2028b\u2029c", "&amp; \" ' `"]
REDS = ["#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"]


def polygon(cx: float, cy: float, r: float = 0.05, vertices: int = 40) -> list:
    ring = [[round(cx + r * math.cos(2 * math.pi * k / vertices), 5),
             round(cy + 0.6 * r * math.sin(2 * math.pi * k / vertices), 5)]
            for k in range(vertices)]
    return [[*ring, ring[0]]]


def geojson(n: int, order: list[int] | None = None) -> str:
    features = [{"type": "Feature", "properties": {"i": k},
                 "geometry": {"type": "Polygon",
                              "coordinates": polygon(12.3 + 0.1 * (k % 10),
                                                     50.5 + 0.1 * (k // 10))}}
                for k in (order if order is not None else range(n))]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      separators=(",", ":"))


def choropleth(n: int, layer_id: str = "quote", label: str = "SGB-II-Quote") -> MapLayer:
    values: list[float | None] = [1000.0 + 37.25 * k for k in range(n)]
    cls = [min(3, k * 4 // n) for k in range(n)]
    values[-1], cls[-1] = None, -2
    values[-2], cls[-2] = None, -1
    return MapLayer(id=layer_id, label=label, unit="%", kind="choropleth",
                    classes=[LegendClass(f"Klasse {c}", REDS[c]) for c in range(4)],
                    class_of=cls, values=values, flags=["p"] + [""] * (n - 1))


def lisa(n: int) -> MapLayer:
    colours = ["#FF0000", "#0000FF", "#a7adf9", "#f4ada8", "#eeeeee", "#999999"]
    labels = ["HH", "LL", "LH", "HL", "ns", "isolated"]
    cls = [k % 6 for k in range(n)]
    return MapLayer(id="lisa", label="Cluster", unit="%", kind="lisa",
                    classes=[LegendClass(lab, col) for lab, col in zip(labels, colours,
                                                                       strict=True)],
                    class_of=cls, values=[0.5 * k for k in range(n)],
                    columns=[Column("lisa_I", [0.01 * k for k in range(n)]),
                             Column("lisa_p", [0.001 * (k + 1) for k in range(n)]),
                             Column("lisa_cluster", [labels[c] for c in cls])])


def make_doc(n: int = 12, names: list[str] | None = None, **extra: object) -> MapDocument:
    fields: dict = {
        "title": "Karte Musterkreis",
        "geojson": geojson(n),
        "names": names or [f"Gemeinde Ä{k}" for k in range(n)],
        "keys": [f"14522{k:03d}" for k in range(n)],
        "layers": [choropleth(n), lisa(n)],
        "attribution": "© GeoBasis-DE / BKG (2021)",
        "source": "Statistisches Landesamt",
        "date": "2024-12-31",
        "method_note": "999 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %",
        "summary": "Kurz.",
    }
    fields.update(extra)
    return MapDocument(**fields)


def leaflet_code() -> str:
    return (VENDOR / "leaflet.js").read_text(encoding="utf-8")


def strip_leaflet(page: str) -> str:
    """The page without the vendored Leaflet code and CSS (checked separately)."""
    code = leaflet_code().rsplit("//# sourceMappingURL", 1)[0]
    css = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    assert code in page and css in page
    return page.replace(code, "").replace(css, "")


def scripts(page: str) -> list[tuple[str, str]]:
    """(attributes, content) of every <script> element."""
    return re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)


def data_block(page: str, block: str = "gs-data") -> dict:
    for attrs, content in scripts(page):
        if f'id="{block}"' in attrs:
            return json.loads(content)
    raise AssertionError(f"no script {block}")


# --- determinism ----------------------------------------------------------------------


def test_same_document_gives_the_same_bytes(tmp_path: Path) -> None:
    first = write_map(make_doc(), tmp_path / "a.html").read_bytes()
    second = write_map(make_doc(), tmp_path / "b.html").read_bytes()
    assert first == second
    assert render_map(make_doc()).encode("utf-8") == first
    assert b"\r\n" not in first


def test_output_depends_only_on_the_inputs() -> None:
    page = render_map(make_doc())
    # no clock, no random ids: the only dates are the given ones
    assert re.findall(r"20\d\d-\d\d-\d\d", strip_leaflet(page)) == ["2024-12-31"] * 2
    assert render_map(make_doc(date="2025-01-31")) != page


def test_embedded_json_has_sorted_keys() -> None:
    page = render_map(make_doc())
    content = next(c for a, c in scripts(page) if 'id="gs-data"' in a)
    assert content == script_json(json.loads(content))


# --- zero requests ----------------------------------------------------------------------


def test_no_url_that_would_be_loaded() -> None:
    page = strip_leaflet(render_map(make_doc(outlines=geojson(3))))
    code = "\n".join(c for _, c in re.findall(r"<script([^>]*)>(.*?)</script>", page,
                                                flags=re.DOTALL))
    styles = "\n".join(re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL))
    markup = re.sub(r"<(script|style)([^>]*)>.*?</\1>", "", page, flags=re.DOTALL)
    # every src / href / action / ... attribute of the markup points inside the page
    attributes = re.findall(r"\s(src|href|action|srcset|poster|data|formaction|background)"
                            r"\s*=\s*[\"']?([^\"'\s>]*)", markup, flags=re.IGNORECASE)
    assert attributes == [("href", "#gs-table-heading")]
    for tag in ("<link", "<iframe", "<object", "<embed", "<img", "<image", "<video",
                "<audio", "<source", "<base", "<form"):
        assert tag not in markup.lower(), tag
    for value in re.findall(r"url\(\s*['\"]?([^)'\"]*)", styles + code, flags=re.IGNORECASE):
        assert value.startswith("#"), value
    assert "@import" not in styles and "@font-face" not in styles
    for api in ("fetch(", "XMLHttpRequest", "sendBeacon", "WebSocket", "EventSource",
                "import(", "Worker(", "sourceMappingURL", ".src =", ".href ="):
        assert api not in code, api
    assert re.findall(r"https?://[^\s\"'<>)]+", page) == ["http://www.w3.org/2000/svg"]


def test_leaflet_urls_are_only_text() -> None:
    page = render_map(make_doc())
    code = leaflet_code()
    assert sorted(set(re.findall(r"https?://[^\s\"'<>)]+", code))) == [
        "http://www.w3.org/2000/svg", "https://leafletjs.com"]
    # the only link in Leaflet is the attribution prefix; the page uses its own control
    assert '"attributionControl": false' in page  # folium's L.map options
    assert "sourceMappingURL" not in page
    css = (VENDOR / "leaflet.css").read_text(encoding="utf-8")
    assert re.findall(r"url\(([^)]*)\)", css) == ["#default#VML"]


def test_content_security_policy_blocks_everything_else() -> None:
    page = render_map(make_doc())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    policy = csp.group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in policy
    assert "img-src data:;" in policy
    assert "http" not in policy
    # the scripts that run are exactly those allowed by hash
    code = [c for a, c in scripts(page) if "type=" not in a]
    assert len(code) == 3  # Leaflet, folium's L.map, map.js
    assert "L.map(" in code[1] and "map_gs" in code[1]
    hashes = re.findall(r"'sha256-([^']+)'", policy)
    assert hashes == [base64.b64encode(hashlib.sha256(c.encode()).digest()).decode()
                      for c in code]


def test_basemap_is_opt_in_with_attribution() -> None:
    assert "geodatenzentrum" not in render_map(make_doc())
    page = render_map(make_doc(basemap=True))
    data = data_block(page)
    assert data["basemap"]["url"].startswith("https://sgx.geodatenzentrum.de/wmts_basemapde/")
    assert "de_basemapde_web_raster_grau" in data["basemap"]["url"]
    assert "© GeoBasis-DE / BKG (2024)" in data["attribution"]
    assert "img-src data: https://sgx.geodatenzentrum.de;" in page
    assert "© GeoBasis-DE / BKG (2024)" in page.split("<footer", 1)[1]
    colour = data_block(render_map(make_doc(basemap="farbe", basemap_year=2023)))
    assert "raster_farbe" in colour["basemap"]["url"]
    assert "BKG (2023)" in colour["attribution"]
    assert "BKG (2024)" in data_block(render_map(make_doc(basemap=True,
                                                          date="Dezember 2024")))["attribution"]
    with pytest.raises(GeosozialError, match="Jahr"):
        render_map(make_doc(basemap=True, date="Stand Dezember"))
    with pytest.raises(GeosozialError):
        render_map(make_doc(basemap="osm"))


# --- safety ------------------------------------------------------------------------------


def test_hostile_names_appear_only_escaped() -> None:
    n = 12
    names = HOSTILE + [f"Ort {k}" for k in range(len(HOSTILE), n)]
    layer = choropleth(n)
    layer.label = "</script><b>Quote</b>"
    layer.unit = "<i>%</i>"
    layer.classes[0].label = "<svg onload=alert(1)>"
    page = render_map(make_doc(n, names=names, title="<script>alert('t')</script>",
                               source="</footer><img src=x>", layers=[layer, lisa(n)]))
    for raw in ("<img", "<svg onload", "alert('t')", "<b>Quote", "<i>%", "\u2028",
                "\u2029"):
        assert raw not in page, raw
    # the rest of the hostile text appears only inside JSON strings, escaped
    assert page.count("onerror=alert(1)") == page.count("\\u003cimg src=x onerror=alert(1)")
    # five script elements (data and geometry JSON, Leaflet, folium's map, map.js), each
    # closed once
    assert page.count("<script") == 5 == page.count("</script>")
    data = data_block(page)
    assert data["names"] == names
    assert data["layers"][0]["label"] == "</script><b>Quote</b>"
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in page
    assert "&lt;/footer&gt;&lt;img src=x&gt;" in page


def test_page_script_inserts_text_only() -> None:
    code = (VENDOR.parent.parent / "assets" / "map.js").read_text(encoding="utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                      "eval(", "new Function", "createContextualFragment", "DOMParser",
                      "bindPopup", "addAttribution", "`"):
        assert forbidden not in code, forbidden
    assert "textContent" in code and "createTextNode" in code


def test_json_for_script_context() -> None:
    text = script_json({"z": "</script><!--", "a": "\u2028&\u2029", "m": [1.5, None]})
    assert text == ('{"a":"\\u2028\\u0026\\u2029","m":[1.5,null],'
                    '"z":"\\u003c/script\\u003e\\u003c!--"}')
    assert json.loads(text)["z"] == "</script><!--"
    with pytest.raises(ValueError):
        script_json({"x": float("nan")})


def test_suppressed_values_never_reach_the_page() -> None:
    layer = choropleth(12)
    layer.values = list(layer.values)
    layer.values[-1] = 3.0                 # position 11 is suppressed
    with pytest.raises(GeosozialError, match="geheim"):
        render_map(make_doc(layers=[layer]))
    layer = choropleth(12)
    layer.columns = [Column("x", [1.0] * 12)]
    with pytest.raises(GeosozialError, match="geheim"):
        render_map(make_doc(layers=[layer]))


def test_colours_are_checked() -> None:
    layer = choropleth(12)
    layer.classes[0].colour = "red;background:url(http://x)"
    with pytest.raises(GeosozialError, match="#rrggbb"):
        render_map(make_doc(layers=[layer]))


# --- vendored Leaflet ------------------------------------------------------------------


def test_vendored_leaflet_is_pinned_and_licensed() -> None:
    code = leaflet_code()
    assert hashlib.sha256(code.encode()).hexdigest() == LEAFLET_JS_SHA256
    version = (VENDOR / "VERSION").read_text(encoding="utf-8")
    assert version.startswith("Leaflet 1.9.4") and LEAFLET_JS_SHA256 in version
    page = render_map(make_doc())
    assert "* Leaflet 1.9.4, a JS library for interactive maps." in page     # @preserve header
    assert "BSD 2-Clause License" in page
    assert "Copyright (c) 2010-2023, Volodymyr Agafonkin" in page
    assert "THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS" in page
    for lib in ("jquery", "bootstrap", "font-awesome", "fontawesome", "@font-face", "d3."):
        assert lib not in page.lower(), lib


# --- content ------------------------------------------------------------------------------


def test_page_content_german_by_default() -> None:
    page = render_map(make_doc())
    assert page.startswith('<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">')
    assert "<title>Karte Musterkreis</title>" in page and "<h1>Karte Musterkreis</h1>" in page
    assert "Quelle: Statistisches Landesamt" in page
    assert "Geometrien: © GeoBasis-DE / BKG (2021)" in page
    assert "Methode: 999 Permutationen, Seed 12345, Queen-Nachbarschaft, FDR 5 %" in page
    assert "Stand: 2024-12-31" in page
    assert 'href="#gs-table-heading">Zur Datentabelle springen</a>' in page
    assert "user-scalable" not in page
    data = data_block(page)
    assert data["special"]["no_data"]["label"] == "keine Daten"
    assert data["special"]["suppressed"]["label"] == "geheim gehalten"
    assert data["layers"][0]["special_counts"] == {"no_data": 1, "suppressed": 1}
    assert [c["count"] for c in data["layers"][0]["classes"]] == [3, 3, 3, 1]
    assert [c["count"] for c in data["layers"][1]["classes"]] == [2, 2, 2, 2, 2, 2]
    assert data["layers"][0]["flags"][0] == "p"
    assert data["layers"][1]["flags"] is None
    assert [c["name"] for c in data["layers"][1]["columns"]] == [
        "lisa_I", "lisa_p", "lisa_cluster"]


def test_english_on_request() -> None:
    page = render_map(make_doc(lang="en"))
    assert '<html lang="en">' in page
    assert "Skip to the data table" in page and "Source: Statistisches Landesamt" in page
    data = data_block(page)
    assert data["lang"] == "en" and data["special"]["no_data"]["label"] == "no data"
    with pytest.raises(GeosozialError):
        render_map(make_doc(lang="fr"))


def test_geometry_is_embedded_once() -> None:
    doc = make_doc(layers=[choropleth(12, "a"), choropleth(12, "b"), lisa(12)])
    page = render_map(doc)
    assert page.count('"coordinates"') == 12
    assert data_block(page, "gs-geometry") == json.loads(doc.geojson)


@pytest.mark.parametrize(("value", "digits", "lang", "expected"), [
    (1234.5, 1, "de", "1.234,5"),
    (1234.5, 1, "en", "1,234.5"),
    (-1234567.891, 2, "de", "-1.234.567,89"),
    (0.5, 0, "de", "1"),
    (2.5, 0, "de", "3"),
    (-2.5, 0, "de", "-3"),
    (1.005, 2, "de", "1,00"),       # 1.005 is 1.00499999... in binary
    (-0.04, 1, "de", "0,0"),
    (999.95, 1, "de", "1.000,0"),
    (12, 0, "de", "12"),
    (0.0004, 3, "de", "0,000"),
    (123456, 0, "de", "123.456"),
])
def test_number_text(value: float, digits: int, lang: str, expected: str) -> None:
    assert number_text(value, digits, lang) == expected


def test_number_text_missing() -> None:
    assert number_text(None) is None and number_text(float("nan")) is None
    assert number_text(float("inf")) is None


def test_size_of_a_50_feature_map_with_3_layers() -> None:
    n = 50
    doc = make_doc(n, layers=[choropleth(n, "a"), choropleth(n, "b"), lisa(n)],
                   outlines=geojson(5))
    size = len(render_map(doc).encode("utf-8"))
    assert size < 300_000, size


# --- input checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    {"names": ["a"] * 11},
    {"keys": ["1"] * 3},
    {"layers": []},
    {"geojson": "not json"},
    {"geojson": '{"type":"FeatureCollection","features":[{"type":"Feature",'
                '"properties":{"i":0},"geometry":{"type":"Point","coordinates":[13,51]}}]}'},
    {"geojson": '{"type":"FeatureCollection","features":[{"type":"Feature",'
                '"properties":{"i":12},"geometry":null}]}'},
    {"geojson": '{"type":"FeatureCollection","features":[{"type":"Feature",'
                '"properties":{"i":NaN},"geometry":null}]}'},
    {"geojson": geojson(2, order=[0, 0])},
    {"outlines": '{"type":"FeatureCollection","features":[{"type":"Feature",'
                 '"properties":{},"geometry":{"type":"Point","coordinates":[13,51]}}]}'},
])
def test_bad_documents_are_refused(change: dict) -> None:
    with pytest.raises(GeosozialError):
        render_map(make_doc(**change))


def test_bad_layers_are_refused() -> None:
    def broken(**change: object) -> MapLayer:
        layer = choropleth(12)
        for key, value in change.items():
            setattr(layer, key, value)
        return layer

    for layer in (broken(kind="heatmap"), broken(class_of=[0] * 11),
                  broken(class_of=[4] + [0] * 11), broken(class_of=[-3] + [0] * 11),
                  broken(class_of=[0.5] + [0] * 11), broken(values=["x"] + [1.0] * 11),
                  broken(flags=["p"])):
        with pytest.raises(GeosozialError):
            render_map(make_doc(layers=[layer]))
    counted = choropleth(12)
    counted.classes[0].count = 99
    with pytest.raises(GeosozialError, match="99"):
        render_map(make_doc(layers=[counted]))
    with pytest.raises(GeosozialError, match="mehrfach"):
        render_map(make_doc(layers=[choropleth(12), choropleth(12)]))


def test_features_without_geometry_and_any_order() -> None:
    n = 4
    gj = json.loads(geojson(n, order=[3, 1, 0, 2]))
    gj["features"][1]["geometry"] = None
    page = render_map(make_doc(n, geojson=json.dumps(gj), layers=[lisa(n)]))
    assert data_block(page, "gs-geometry")["features"][0]["properties"]["i"] == 3


def test_numpy_inputs() -> None:
    np = pytest.importorskip("numpy")
    layer = choropleth(12)
    layer.values = np.array([np.nan if v is None else v for v in layer.values])
    layer.class_of = np.array(layer.class_of)
    data = data_block(render_map(make_doc(layers=[layer])))
    assert data["layers"][0]["values"][-1] is None
    assert data["layers"][0]["values"][0] == 1000.0
