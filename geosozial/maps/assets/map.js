/* geosozial map page.
 *
 * Draws the geometry once (one L.geoJSON), switches indicators (and years, when the
 * layers carry years: one layer per indicator group and year) by restyling it, and
 * builds switcher, year control, legend, tooltip, table and summary with DOM methods
 * only: every string from the data goes into textContent / createTextNode, never into
 * HTML.
 * Numbers are formatted here (German or English), independent of the browser locale.
 */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var DATA = readJson("gs-data");
  var GEO = readJson("gs-geometry");
  var OUTLINES = readJson("gs-outlines");
  var T = DATA.text;
  var LAYERS = DATA.layers;
  var NAMES = DATA.names;
  var KEYS = DATA.keys;
  var SPECIAL = DATA.special;
  var STROKE = "#666666";
  var FILL_OPACITY = DATA.basemap ? 0.75 : 1;
  var HATCH_ID = "gs-hatch";

  var active = 0;
  var sortState = { column: null, dir: 1 };
  var featureLayers = {};
  var geo = null;

  // ---- text ---------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fill(template, params) {
    // One pass: inserted values are never scanned for placeholders again.
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : match;
    });
  }

  /* German (1.234,5) or English (1,234.5) number text; null for a missing value.
   * toFixed rounds the exact binary value, ties away from zero (as
   * geosozial.core.number_format.number_text in Python). */
  function formatNumber(value, digits) {
    if (typeof value !== "number" || !isFinite(value)) { return null; }
    var d = Math.max(0, Math.min(20, digits | 0));
    var abs = Math.abs(value);
    if (abs >= 1e21) { return String(value); }
    var text = abs.toFixed(d);
    var negative = value < 0 && /[1-9]/.test(text);
    var parts = text.split(".");
    var whole = parts[0];
    var group = DATA.lang === "de" ? "." : ",";
    var decimal = DATA.lang === "de" ? "," : ".";
    var out = "";
    for (var k = 0; k < whole.length; k++) {
      if (k > 0 && (whole.length - k) % 3 === 0) { out += group; }
      out += whole.charAt(k);
    }
    if (parts.length > 1) { out += decimal + parts[1]; }
    return (negative ? "-" : "") + out;
  }

  function specialOf(code) {
    return code === -2 ? SPECIAL.suppressed : SPECIAL.no_data;
  }

  /* A change with its sign: "+1,5", "\u22120,5" (minus sign), "0,0" without a sign
   * (as geosozial.maps.classify.signed_number). */
  function signedNumber(value, digits) {
    var text = formatNumber(value, digits);
    if (text === null) { return null; }
    if (text.charAt(0) === "-") { return "\u2212" + text.slice(1); }
    return /[1-9]/.test(text) ? "+" + text : text;
  }

  function hasYear(layer) {
    return typeof layer.year === "number";
  }

  /* The layer's label with its year, if any: "SGB-II-Quote 2022". */
  function withYear(layer, label) {
    return hasYear(layer) ? fill(T.label_year, { label: label, year: String(layer.year) })
                          : label;
  }

  function shownLabel(layer) {
    return withYear(layer, layer.label);
  }

  function valueName(layer) {
    return withYear(layer, layer.value_label || layer.label);
  }

  function valueText(layer, i, withUnit) {
    var code = layer.cls[i];
    if (code === -2) { return SPECIAL.suppressed.label; }
    var text = layer.signed ? signedNumber(layer.values[i], layer.digits)
                            : formatNumber(layer.values[i], layer.digits);
    if (text === null) { return SPECIAL.no_data.label; }
    return withUnit && layer.unit ? text + "\u00a0" + layer.unit : text;
  }

  function classText(layer, i) {
    var code = layer.cls[i];
    return code >= 0 ? layer.classes[code].label : specialOf(code).label;
  }

  function cellText(column, i) {
    var v = column.values[i];
    if (typeof v === "string") { return v; }
    var text = formatNumber(v, column.digits);
    return text === null ? SPECIAL.no_data.label : text;
  }

  function valueHeading(layer) {
    var name = valueName(layer);
    return layer.unit ? name + " (" + layer.unit + ")" : name;
  }

  // ---- map ------------------------------------------------------------------------

  function styleFor(i) {
    var layer = LAYERS[active];
    var code = layer.cls[i];
    if (code >= 0) {
      return { fillColor: layer.classes[code].colour, fillOpacity: FILL_OPACITY,
               color: STROKE, weight: 0.7, opacity: 1 };
    }
    var sp = specialOf(code);
    return { fillColor: sp.hatch ? "url(#" + HATCH_ID + ")" : sp.fill,
             fillOpacity: FILL_OPACITY, color: sp.outline, weight: 0.7, opacity: 1 };
  }

  /* Hover outline: a separate, non-interactive copy of the ring in a pane above the
   * areas. Never reorders the area paths (bringToFront under the mouse makes Chrome
   * lose the mouseout, so tooltips would stay open). */
  var hover = null;

  function highlight(i) {
    var lyr = featureLayers[i];
    if (!lyr) { return; }
    if (!hover) {
      var pane = map.createPane("gs-hover");
      pane.style.zIndex = 460;
      pane.style.pointerEvents = "none";
      hover = L.polygon([], {
        pane: "gs-hover", interactive: false, fill: false, color: "#000000", weight: 3,
        renderer: L.svg({ pane: "gs-hover", padding: 0.5 })
      }).addTo(map);
    }
    hover.setLatLngs(lyr.getLatLngs());
    hover.setStyle({ opacity: 1 });
  }

  function unhighlight() {
    if (hover) { hover.setStyle({ opacity: 0 }); }
  }

  function addTerm(dl, term, description) {
    dl.appendChild(el("dt", null, term));
    dl.appendChild(el("dd", null, description));
  }

  function tooltipNode(i) {
    var layer = LAYERS[active];
    var box = el("div", "gs-tip");
    box.appendChild(el("div", "gs-tip-name", NAMES[i]));
    if (KEYS.length) { box.appendChild(el("div", "gs-tip-key", KEYS[i])); }
    var dl = el("dl");
    addTerm(dl, valueName(layer), valueText(layer, i, true));
    addTerm(dl, T.class_heading[layer.kind], classText(layer, i));
    layer.columns.forEach(function (column) {
      addTerm(dl, column.label, cellText(column, i));
    });
    if (layer.flags && layer.flags[i]) { addTerm(dl, T.flag, layer.flags[i]); }
    box.appendChild(dl);
    return box;
  }

  function addHatchPattern() {
    var svg = map.getPane("overlayPane").querySelector("svg");
    if (!svg || document.getElementById(HATCH_ID)) { return; }
    var ns = "http://www.w3.org/2000/svg";
    var sp = SPECIAL.suppressed;
    var defs = document.createElementNS(ns, "defs");
    var pattern = document.createElementNS(ns, "pattern");
    pattern.setAttribute("id", HATCH_ID);
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "6");
    pattern.setAttribute("height", "6");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", "6");
    rect.setAttribute("height", "6");
    rect.setAttribute("fill", sp.fill);
    var line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "0");
    line.setAttribute("y1", "0");
    line.setAttribute("x2", "0");
    line.setAttribute("y2", "6");
    line.setAttribute("stroke", sp.outline);
    line.setAttribute("stroke-width", "2");
    pattern.appendChild(rect);
    pattern.appendChild(line);
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  function noMarker(feature, latlng) {
    return L.circleMarker(latlng, { radius: 3 });
  }

  // The Leaflet map was made by folium's script (a global named in DATA.map).
  var map = window[DATA.map];
  var RENDERER = L.svg({ padding: 0.5 });
  L.control.zoom({ zoomInTitle: T.zoom_in, zoomOutTitle: T.zoom_out }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  if (DATA.attribution) {
    var Attribution = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var box = el("div", "leaflet-control-attribution leaflet-control gs-attribution",
                     DATA.attribution);
        L.DomEvent.disableClickPropagation(box);
        return box;
      }
    });
    new Attribution().addTo(map);
  }

  if (DATA.basemap) {
    L.tileLayer(DATA.basemap.url, {
      maxZoom: 18, referrerPolicy: "no-referrer", crossOrigin: false
    }).addTo(map);
  }

  geo = L.geoJSON(GEO, {
    pointToLayer: noMarker, renderer: RENDERER,
    style: function (feature) { return styleFor(feature.properties.i); },
    onEachFeature: function (feature, lyr) {
      var i = feature.properties.i;
      featureLayers[i] = lyr;
      lyr.bindTooltip(function () { return tooltipNode(i); },
                      { sticky: true, direction: "top", className: "gs-tooltip" });
      lyr.on("mouseover", function () { highlight(i); });
      lyr.on("mouseout", unhighlight);
    }
  }).addTo(map);

  if (OUTLINES) {
    var pane = map.createPane("gs-outlines");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    L.geoJSON(OUTLINES, {
      pane: "gs-outlines", interactive: false, pointToLayer: noMarker,
      renderer: L.svg({ pane: "gs-outlines", padding: 0.5 }),
      style: { color: "#1a1a1a", weight: 2.2, opacity: 0.9, fill: false }
    }).addTo(map);
  }

  var bounds = geo.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [8, 8] });
  } else {
    map.setView([51.16, 10.45], 6);
  }
  addHatchPattern();   // the SVG exists once the map has a view
  // Areas stay out of the tab order (Chrome would stop at every one of them); the
  // data table carries the same information for keyboard and screen reader users.
  geo.eachLayer(function (lyr) {
    var node = lyr.getElement && lyr.getElement();
    if (node) { node.setAttribute("tabindex", "-1"); }
  });

  // ---- legend ---------------------------------------------------------------------

  function legendItem(swatchColour, hatch, outline, label, count) {
    var li = el("li");
    var swatch = el("span", hatch ? "gs-swatch gs-hatch" : "gs-swatch");
    swatch.setAttribute("aria-hidden", "true");
    if (!hatch) { swatch.style.backgroundColor = swatchColour; }
    if (outline) { swatch.style.borderColor = outline; }
    li.appendChild(swatch);
    li.appendChild(el("span", "gs-label", label));
    var countNode = el("span", "gs-count", formatNumber(count, 0));
    countNode.appendChild(el("span", "gs-visually-hidden", " " + T.areas));
    li.appendChild(countNode);
    return li;
  }

  function buildLegend() {
    var layer = LAYERS[active];
    var box = document.getElementById("gs-legend");
    box.textContent = "";
    box.appendChild(el("h3", null, valueHeading(layer)));
    box.appendChild(el("p", "gs-legend-kind", T.kind[layer.kind]));
    var list = el("ul");
    layer.classes.forEach(function (cls) {
      list.appendChild(legendItem(cls.colour, false, null, cls.label, cls.count));
    });
    ["no_data", "suppressed"].forEach(function (key) {
      var count = layer.special_counts[key];
      if (count > 0) {
        var sp = SPECIAL[key];
        list.appendChild(legendItem(sp.fill, sp.hatch, sp.outline, sp.label, count));
      }
    });
    box.appendChild(list);
    if (layer.note) { box.appendChild(el("p", "gs-note", layer.note)); }
  }

  // ---- summary --------------------------------------------------------------------

  function buildSummary() {
    var layer = LAYERS[active];
    var box = document.getElementById("gs-auto-summary");
    var parts = [];
    if (layer.kind === "choropleth") {
      var lo = -1;
      var hi = -1;
      for (var i = 0; i < NAMES.length; i++) {
        var v = layer.values[i];
        if (layer.cls[i] === -2 || typeof v !== "number") { continue; }
        if (lo < 0 || v < layer.values[lo]) { lo = i; }
        if (hi < 0 || v > layer.values[hi]) { hi = i; }
      }
      parts.push(fill(T.summary_count, { label: shownLabel(layer),
                                         n: formatNumber(NAMES.length, 0) }));
      if (hi >= 0) {
        parts.push(fill(T.summary_range, {
          max_name: NAMES[hi], max_value: valueText(layer, hi, true),
          min_name: NAMES[lo], min_value: valueText(layer, lo, true)
        }));
      }
    } else {
      parts.push(fill(T.summary_count, { label: shownLabel(layer),
                                         n: formatNumber(NAMES.length, 0) }));
      parts.push(layer.classes.map(function (cls) {
        return cls.label + ": " + formatNumber(cls.count, 0);
      }).join("; ") + ".");
    }
    ["no_data", "suppressed"].forEach(function (key) {
      var count = layer.special_counts[key];
      if (count > 0) { parts.push(fill(T["summary_" + key], { n: formatNumber(count, 0) })); }
    });
    box.textContent = parts.join(" ");
  }

  // ---- table ----------------------------------------------------------------------

  var collator = new Intl.Collator(DATA.lang, { numeric: true, sensitivity: "base" });

  function tableColumns(layer) {
    var columns = [{ id: "name", label: T.name, type: "text",
                     key: function (i) { return NAMES[i]; },
                     text: function (i) { return NAMES[i]; } }];
    if (KEYS.length) {
      columns.push({ id: "key", label: T.key, type: "text",
                     key: function (i) { return KEYS[i]; },
                     text: function (i) { return KEYS[i]; } });
    }
    columns.push({ id: "value", label: valueHeading(layer), type: "number",
                   key: function (i) { return layer.cls[i] === -2 ? null : layer.values[i]; },
                   text: function (i) { return valueText(layer, i, false); } });
    columns.push({ id: "class", label: T.class_heading[layer.kind], type: "number",
                   key: function (i) {
                     var c = layer.cls[i];
                     return c >= 0 ? c : null;
                   },
                   text: function (i) { return classText(layer, i); } });
    layer.columns.forEach(function (column) {
      var textual = column.values.some(function (v) { return typeof v === "string"; });
      columns.push({ id: "col:" + column.name, label: column.label,
                     type: textual ? "text" : "number",
                     key: function (i) {
                       var v = column.values[i];
                       return v === undefined ? null : v;
                     },
                     text: function (i) { return cellText(column, i); } });
    });
    if (layer.flags) {
      columns.push({ id: "flag", label: T.flag, type: "text",
                     key: function (i) { return layer.flags[i]; },
                     text: function (i) { return layer.flags[i]; } });
    }
    return columns;
  }

  function compareRows(column, dir) {
    return function (a, b) {
      var x = column.key(a);
      var y = column.key(b);
      var xMissing = x === null || x === "";
      var yMissing = y === null || y === "";
      var result;
      if (xMissing || yMissing) {
        result = xMissing === yMissing ? 0 : (xMissing ? 1 : -1);   // missing last
      } else if (column.type === "number" && typeof x === "number" && typeof y === "number") {
        result = dir * (x - y);
      } else {
        result = dir * collator.compare(String(x), String(y));
      }
      return result !== 0 ? result : a - b;
    };
  }

  var currentColumns = [];

  function renderBody() {
    var tbody = document.querySelector("#gs-table tbody");
    var rows = [];
    for (var i = 0; i < NAMES.length; i++) { rows.push(i); }
    var column = null;
    currentColumns.forEach(function (c) { if (c.id === sortState.column) { column = c; } });
    if (column) { rows.sort(compareRows(column, sortState.dir)); }
    tbody.textContent = "";
    rows.forEach(function (i) {
      var tr = el("tr");
      currentColumns.forEach(function (c, k) {
        var cell = el(k === 0 ? "th" : "td", c.type === "number" && c.id !== "class" ? "gs-num" : null,
                      c.text(i));
        if (k === 0) { cell.setAttribute("scope", "row"); }
        tr.appendChild(cell);
      });
      tr.addEventListener("mouseenter", function () { highlight(i); });
      tr.addEventListener("mouseleave", unhighlight);
      tbody.appendChild(tr);
    });
    var headers = document.querySelectorAll("#gs-table thead th");
    for (var h = 0; h < headers.length; h++) {
      var th = headers[h];
      var arrow = th.querySelector(".gs-arrow");
      if (currentColumns[h].id === sortState.column) {
        th.setAttribute("aria-sort", sortState.dir > 0 ? "ascending" : "descending");
        arrow.textContent = sortState.dir > 0 ? "\u25b2" : "\u25bc";
      } else {
        th.removeAttribute("aria-sort");
        arrow.textContent = "";
      }
    }
  }

  function sortBy(id) {
    if (sortState.column === id) {
      sortState.dir = -sortState.dir;
    } else {
      sortState.column = id;
      sortState.dir = 1;
    }
    renderBody();
    var label = "";
    currentColumns.forEach(function (c) { if (c.id === id) { label = c.label; } });
    setStatus(fill(T.sorted, { column: label,
                               direction: sortState.dir > 0 ? T.ascending : T.descending }));
  }

  function buildTable() {
    var layer = LAYERS[active];
    currentColumns = tableColumns(layer);
    var known = currentColumns.some(function (c) { return c.id === sortState.column; });
    if (!known) { sortState = { column: null, dir: 1 }; }
    var table = document.getElementById("gs-table");
    table.querySelector("caption").textContent = fill(T.caption, { label: shownLabel(layer) });
    var headRow = el("tr");
    currentColumns.forEach(function (c) {
      var th = el("th", c.type === "number" && c.id !== "class" ? "gs-num" : null);
      th.setAttribute("scope", "col");
      var button = el("button", "gs-sort");
      button.type = "button";
      button.appendChild(document.createTextNode(c.label));
      var arrow = el("span", "gs-arrow");
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      button.addEventListener("click", function () { sortBy(c.id); });
      th.appendChild(button);
      headRow.appendChild(th);
    });
    var thead = table.querySelector("thead");
    thead.textContent = "";
    thead.appendChild(headRow);
    renderBody();
  }

  // ---- switcher -------------------------------------------------------------------

  function setStatus(text) {
    document.getElementById("gs-status").textContent = text;
  }

  /* Years: each layer with a year is one cell of the grid group x year (every group
   * has every year, checked in Python). Without years every layer is its own entry. */
  var YEARS = [];
  var GROUPS = [];
  var SLOT = {};
  LAYERS.forEach(function (layer, k) {
    if (!hasYear(layer)) { return; }
    if (YEARS.indexOf(layer.year) < 0) { YEARS.push(layer.year); }
    if (GROUPS.indexOf(layer.group) < 0) { GROUPS.push(layer.group); }
    SLOT[layer.group + "\u0000" + layer.year] = k;
  });
  YEARS.sort(function (a, b) { return a - b; });
  var BY_YEAR = YEARS.length > 0;

  function slot(group, year) {
    var k = SLOT[group + "\u0000" + year];
    return typeof k === "number" ? k : -1;
  }

  var buttons = [];
  var yearSelect = document.getElementById("gs-year");

  function showLayer(k, announce) {
    active = k;
    var layer = LAYERS[k];
    geo.setStyle(function (feature) { return styleFor(feature.properties.i); });
    buttons.forEach(function (b) {
      var j = b.gsLayer;
      var on = BY_YEAR ? LAYERS[j].group === layer.group : j === k;
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    if (BY_YEAR) { yearSelect.value = String(layer.year); }
    document.getElementById("gs-active-label").textContent = shownLabel(layer);
    buildLegend();
    buildSummary();
    buildTable();
    if (announce) { setStatus(fill(T.shown, { label: shownLabel(layer) })); }
  }

  function showGroup(group, announce) {
    var k = BY_YEAR ? slot(group, LAYERS[active].year) : -1;
    if (k >= 0) { showLayer(k, announce); }
  }

  function showYear(year, announce) {
    var k = slot(LAYERS[active].group, Number(year));
    if (k >= 0) { showLayer(k, announce); }
  }

  // one entry per indicator: the layers (no years) or the groups (with years)
  var entries = [];
  if (BY_YEAR) {
    GROUPS.forEach(function (group) {
      for (var k = 0; k < LAYERS.length; k++) {
        if (LAYERS[k].group === group) { entries.push(k); break; }
      }
    });
  } else {
    LAYERS.forEach(function (layer, k) { entries.push(k); });
  }

  if (entries.length > 1) {
    var switchBox = document.getElementById("gs-switch");
    switchBox.hidden = false;
    var list = document.getElementById("gs-switch-buttons");
    entries.forEach(function (k) {
      var layer = LAYERS[k];
      var b = el("button", null, layer.label);
      b.type = "button";
      b.gsLayer = k;
      if (BY_YEAR) {
        b.setAttribute("data-group", layer.group);
        b.addEventListener("click", function () { showGroup(layer.group, true); });
      } else {
        b.setAttribute("data-layer", layer.id);
        b.addEventListener("click", function () { showLayer(k, true); });
      }
      buttons.push(b);
      list.appendChild(b);
    });
  }

  if (BY_YEAR) {
    document.getElementById("gs-year-box").hidden = false;
    YEARS.forEach(function (year) {
      var option = el("option", null, String(year));
      option.value = String(year);
      yearSelect.appendChild(option);
    });
    yearSelect.addEventListener("change", function () { showYear(yearSelect.value, true); });
  }

  showLayer(0, false);

  window.geosozialMap = {
    map: map,
    formatNumber: formatNumber,
    showLayer: function (id) {
      LAYERS.forEach(function (layer, k) { if (layer.id === id) { showLayer(k, true); } });
    },
    activeLayer: function () { return LAYERS[active].id; },
    years: function () { return YEARS.slice(); },
    showYear: function (year) { showYear(year, true); },
    activeYear: function () { return BY_YEAR ? LAYERS[active].year : null; },
    activeGroup: function () { return LAYERS[active].group; }
  };
}());
